"""rclpy shells: the runtime/ nodes as ROS 2 (Jazzy) nodes. The only package that imports
rclpy; nothing imports it."""
