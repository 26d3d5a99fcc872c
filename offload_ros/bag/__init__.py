"""rosbag2 (MCAP) writing and reading, and the CDR message types, with the `rosbags` library."""
