"""kzoo peers: forecasters from well-kept libraries, beside kzoo's models.

Forecasters written with NumPy and reservoirpy, not Keras models (they
share only kzoo's data, checks and metrics): `Persistence`, `LinearAR` (least
squares on the last `order` values) and `EchoStateNetwork` (reservoirpy
`Reservoir` + `Ridge`). Each has `fit(z_train)`, `one_step(z, start, end)`
and `rollout(z, starts, steps)` with the semantics of
`kzoo.eval.forecast` (see `kzoo.peers.base`); `select_ar` and
`select_esn` choose settings on a validation part; `kzoo.peers.protocols`
runs the Santa Fe laser, Mackey-Glass and reference protocols
(defined in `kzoo.eval.protocols`).
"""

from kzoo.peers.base import Peer
from kzoo.peers.esn import EchoStateNetwork
from kzoo.peers.linear import LinearAR
from kzoo.peers.linear import Persistence
from kzoo.peers.selection import AR_ORDERS
from kzoo.peers.selection import ESN_GRID
from kzoo.peers.selection import Selection
from kzoo.peers.selection import select
from kzoo.peers.selection import select_ar
from kzoo.peers.selection import select_esn
from kzoo.peers.selection import validation_score
