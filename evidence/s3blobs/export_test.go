package s3blobs

// SetBeforeCheckpoint lets a test act between the tiles and the checkpoint.
func SetBeforeCheckpoint(f func()) { beforeCheckpoint = f }
