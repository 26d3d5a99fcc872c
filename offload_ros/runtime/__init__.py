"""Node logic (AGV, edge server, policy, clock) as plain Python: no transport imports. The
Zenoh shells (transport/) and the rclpy shells (ros/) wrap these objects."""
