"""The data package: the pipeline that runs the stages, each resource's rows, the descriptor, publishing, validation."""
