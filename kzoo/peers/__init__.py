"""kzoo peers: forecasters from well-kept libraries, beside kzoo's models.

Plain NumPy, no Keras: `Persistence` and `LinearAR` (least squares on the
last `order` values). Each has `fit(z_train)`, `one_step(z, start, end)`
and `rollout(z, starts, steps)` with the semantics of
`kzoo.eval.forecast` (see `kzoo.peers.base`).
"""

from kzoo.peers.base import Peer
from kzoo.peers.linear import LinearAR
from kzoo.peers.linear import Persistence
