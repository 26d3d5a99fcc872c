"""AIGC at the edge: procedural defect data, a class-conditional diffusion model (diffusers),
its training, the edge generation service with dynamic batching, and its cost model.

Modules import torch and diffusers only where they need them, so the data generator works
without them."""
