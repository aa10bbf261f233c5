same content
