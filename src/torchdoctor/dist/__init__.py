"""`torchdoctor dist`: many ranks under torchrun (or any launcher that sets the env://
rendezvous variables), each checking its own device, then collectives with known answers, bus
bandwidth as nccl-tests computes it, and the ranks compared with one another.

- `model`: the values ranks exchange (pure, JSON round-trip);
- `answers`: the known-answer tensors of each collective and the ranks a wrong value names;
- `bandwidth`: nccl-tests' algorithm and bus bandwidth, message sizes, the loose floor;
- `consistency`: which ranks and nodes differ from the majority;
- `judge`: the report of a finished run (pure);
- `control`: the rendezvous store as the control channel (who joined, who finished, phases);
- `rank`: what runs inside each launched process (imports torch, lazily).
"""
