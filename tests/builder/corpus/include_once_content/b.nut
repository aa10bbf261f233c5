b content
