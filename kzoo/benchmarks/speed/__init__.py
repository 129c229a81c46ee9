"""Speed: how long kzoo takes, per backend, beside plain PyTorch.

`measure` times training throughput, the reference configurations end to
end and rollout speed; `scaling` times flat (dense, chunked) against
product codebooks as the effective vocabulary grows; `worker` runs one
backend's sections in a child process and `suite` runs one worker per
backend and writes the tables (`report`).
"""
