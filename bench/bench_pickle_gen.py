# bench_pickle_gen.py - writes the benchmark's recruit DataFrame pickle (pandas 1.5 to_pickle, protocol 5).
"""Usage: /usr/bin/python3 bench/bench_pickle_gen.py OUT.pkl ROWS DIM [arrays|lists]

The vector column holds one float32 NumPy array per row (what df['vector'] = list(model.encode(...))
gives), or with 'lists' Python lists of floats. Written in slices so the generator itself stays small."""
import sys
import uuid

import numpy as np
import pandas as pd


def main():
    out, rows, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    kind = sys.argv[4] if len(sys.argv) > 4 else "arrays"
    rng = np.random.default_rng(42)
    levels = np.array(["A1", "A2", "B1", "B2", "C1", "C2"], dtype=object)
    keywords = np.array(["python", "java", "go", "rust", "sql", "c++", "react", "k8s"], dtype=object)
    emb = rng.standard_normal((rows, dim), dtype=np.float32)
    vectors = list(emb) if kind == "arrays" else emb.astype(np.float64).tolist()
    df = pd.DataFrame({
        "id": [str(uuid.UUID(int=int(x), version=4)) for x in rng.integers(0, 2**63, rows)],
        "company_name": ["company %d" % (i % 5000) for i in range(rows)],
        "exp_years": rng.integers(0, 30, rows),
        "english_level": levels[rng.integers(0, len(levels), rows)],
        "primary_keyword": keywords[rng.integers(0, len(keywords), rows)],
        "vector": vectors,
    })
    df.to_pickle(out)


if __name__ == "__main__":
    main()
