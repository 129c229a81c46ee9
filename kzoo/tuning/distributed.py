"""Distributed search on KerasTuner's own protocol, made robust to lost workers.

KerasTuner runs a chief (the gRPC oracle, `KERASTUNER_TUNER_ID=chief`) and
workers (`KERASTUNER_TUNER_ID=tuner0`, ...) that reach it at
`KERASTUNER_ORACLE_IP:KERASTUNER_ORACLE_PORT`. Two gaps are filled here:

- a worker checks that the oracle answers before it starts, and fails with
  a clear message after a timeout instead of waiting for an hour;
- each worker sends a heartbeat while it runs a trial; the chief puts the
  trial of a worker silent for `worker_timeout` seconds back in the retry
  queue and forgets that worker, so one killed worker neither loses the
  other workers' trials nor keeps the chief waiting forever.
"""

import os
import socket
import threading
import time

from keras_tuner.src import protos
from keras_tuner.src.distribute import oracle_chief
from keras_tuner.src.distribute import utils as dist_utils
from keras_tuner.src.engine.oracle import synchronized

from kzoo.errors import UsageError


def role():
    """"chief", "worker" or None (not distributed), from KerasTuner's env."""
    if not dist_utils.has_chief_oracle():
        return None
    return "chief" if dist_utils.is_chief_oracle() else "worker"


def oracle_address():
    return (os.environ["KERASTUNER_ORACLE_IP"],
            int(os.environ["KERASTUNER_ORACLE_PORT"]))


def wait_for_oracle(timeout):
    """Return once the chief's port accepts connections; `ValueError` if not."""
    host, port = oracle_address()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=2):
                return
        except OSError as error:
            if time.monotonic() >= deadline:
                raise UsageError(
                    f"the oracle at {host}:{port} did not answer within "
                    f"{timeout:g} s ({error.strerror or error}); start the "
                    "chief first or check KERASTUNER_ORACLE_IP/_PORT"
                ) from None
            time.sleep(0.5)


class _Servicer(oracle_chief.OracleServicer):
    """KerasTuner's servicer, recording when each trial was last heard of."""

    def __init__(self, oracle):
        super().__init__(oracle)
        self.last_seen = {}
        for trial in oracle.ongoing_trials.values():
            # Handed out by a previous chief (stopped, now resumed): heard
            # of now, requeued if their worker stays silent.
            self._seen(trial.trial_id)

    def _seen(self, trial_id):
        self.last_seen[trial_id] = time.monotonic()

    def CreateTrial(self, request, context):
        response = super().CreateTrial(request, context)
        self._seen(response.trial.trial_id)
        return response

    def UpdateTrial(self, request, context):
        self._seen(request.trial_id)
        return super().UpdateTrial(request, context)

    def EndTrial(self, request, context):
        self._seen(request.trial.trial_id)
        return super().EndTrial(request, context)

    def GetTrial(self, request, context):
        self._seen(request.trial_id)
        return super().GetTrial(request, context)


def _drop_silent_workers(oracle, last_seen, worker_timeout):
    """Requeue the trials of workers not heard of for `worker_timeout` s."""
    now = time.monotonic()
    dropped = []
    for tuner_id, trial in list(oracle.ongoing_trials.items()):
        if now - last_seen.get(trial.trial_id, now) > worker_timeout:
            oracle.ongoing_trials.pop(tuner_id)
            oracle.tuner_ids.discard(tuner_id)
            oracle._retry_queue.append(trial.trial_id)
            dropped.append((tuner_id, trial.trial_id))
    if dropped:
        oracle.save()
    return dropped


def serve(oracle, worker_timeout=300.0, poll=1.0, log=print):
    """Run the chief oracle until the search ends; returns dropped workers."""
    from concurrent import futures

    import grpc

    host, port = oracle_address()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    servicer = _Servicer(oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    if server.add_insecure_port(f"{host}:{port}") == 0:
        raise UsageError(f"the chief cannot listen on {host}:{port}")
    server.start()
    lost = []
    try:
        while True:
            time.sleep(poll)
            for tuner_id, trial_id in synchronized(_drop_silent_workers)(
                oracle, servicer.last_seen, worker_timeout
            ):
                log(f"chief: worker {tuner_id} silent for over "
                    f"{worker_timeout:g} s; trial {trial_id} requeued")
                lost.append(tuner_id)
            if servicer.stop_triggered and oracle_chief.exit_chief(oracle):
                break
    finally:
        server.stop(grace=2)
    return lost


class Heartbeat:
    """Tells the chief, every `interval` s, that a worker's trial is alive."""

    def __init__(self, oracle_client, trial_id, interval=5.0):
        self.client = oracle_client
        self.trial_id = trial_id
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        request = protos.get_service().GetTrialRequest(trial_id=self.trial_id)
        while not self._stop.wait(self.interval):
            try:
                self.client.stub.GetTrial(request, timeout=10)
            except Exception:  # the chief may be busy; try again later
                pass

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=1)
