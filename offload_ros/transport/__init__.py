"""The Zenoh shell: runs the runtime/ nodes as processes without ROS (eclipse-zenoh, the
middleware behind rmw_zenoh), with CDR payloads from offload_interfaces."""
