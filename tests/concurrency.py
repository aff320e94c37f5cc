"""Fire requests at the same instant from many threads, each with its own test client."""
import threading


def race(app, requests) -> list[int]:
    """Run every `send(client)` at once; return the response statuses in order."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def run(index, send):
        client = app.test_client()
        barrier.wait()
        statuses[index] = send(client).status_code

    threads = [threading.Thread(target=run, args=(index, send)) for index, send in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses
