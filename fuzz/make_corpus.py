# make_corpus.py - writes seed pickles for fuzz_pickle: real pandas 1.5 DataFrames and plain pickles, protocols 2-5.
"""Usage: /usr/bin/python3 fuzz/make_corpus.py DIR  (Debian's python3-pandas and python3-numpy)."""
import os
import pickle
import sys

import numpy as np
import pandas as pd


def objects():
    rng = np.random.default_rng(7)
    v = [rng.random(3, dtype=np.float32) for _ in range(3)]
    ids = ["a", "b", "c"]
    yield "recruit_arrays", pd.DataFrame({"id": ids, "company_name": ["x", None, "z"], "exp_years": [1, 2, 3],
                                          "english_level": ["A", np.nan, "B"], "primary_keyword": ids, "vector": v})
    yield "recruit_lists", pd.DataFrame({"id": ids, "company_name": ids, "exp_years": [1.0, None, 3.0],
                                         "english_level": ids, "primary_keyword": ids,
                                         "vector": [list(map(float, x)) for x in v]})
    block = pd.DataFrame(np.stack(v), columns=["vector_0", "vector_1", "vector_2"])
    block["skill"] = ids
    block["position_category"] = pd.Categorical(["p", "q", "p"])
    yield "skill_block", block
    yield "skill_set_index", block.set_index("skill")
    yield "candidate_ext", pd.DataFrame({"candidate_id": pd.array(ids, dtype="string"), "position_category": ids,
                                         "experience_years": pd.array([1, None, 3], dtype="Int64"),
                                         "original_resume": ids,
                                         "skills": [["s"], np.array(["t", "u"]), None], "vector": v})
    yield "candidate_dicts", [{"candidate_id": "c", "position_category": "p", "experience_years": np.int64(2),
                               "original_resume": None, "skills": ("a",), "vector": [np.float32(1), 2.5]}]
    yield "skill_dict_of_lists", {"skill": np.array(ids), "position_category": ids,
                                  "vector": np.asfortranarray(np.stack(v).astype(np.float64))}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, obj in objects():
        for proto in (2, 3, 4, 5):
            with open(os.path.join(out, "%s-p%d.pkl" % (name, proto)), "wb") as f:
                pickle.dump(obj, f, protocol=proto)


if __name__ == "__main__":
    main()
