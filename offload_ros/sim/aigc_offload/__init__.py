"""The AIGC offloading game (GMEL/AMARL) in this layer; see docs/aigc_offloading.md."""
