# python_threads.py — for tools/bench/real_programs.sh: four threads hash
# and compress 4 MB buffers 20 times each (hashlib and zlib release the GIL,
# so the interpreter's locks and the GIL are taken and handed over often).
import hashlib
import threading
import zlib

DATA = bytes(range(256)) * 16384

def work():
    for _ in range(20):
        hashlib.sha256(DATA).digest()
        zlib.compress(DATA, 1)

threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
