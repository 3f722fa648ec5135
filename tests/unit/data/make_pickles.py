#!/usr/bin/python3
# make_pickles.py - writes the DataFrame pickles test_pickle_columns.c reads (pandas 1.5.3, protocol 5).
"""Usage: /usr/bin/python3 tests/unit/data/make_pickles.py [DIR]  (default: this script's folder)

The files are committed; run this only to change them (the output is the same on every run)."""
import os
import pickle
import sys

import numpy as np
import pandas as pd


def frames():
    # One column the skill_embedding_dic domain does not have ('n0te', its own int64 block).
    yield "df_extra.pkl", pd.DataFrame({
        "skill": ["py", "go"], "position_category": ["be", None],
        "vector": [np.float32([1.5, -2]), np.float32([0.25, 3])], "n0te": [7, 8]})
    # The vector split over vector_0 and vector_1 (a float32 block), and one unknown column.
    df = pd.DataFrame(np.float32([[1.5, -2], [0.25, 3]]), columns=["vector_0", "vector_1"])
    df["skill"] = ["py", "go"]
    df["position_category"] = ["be", "fe"]
    df["extra"] = [1, 2]
    yield "df_split_extra.pkl", df


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, df in frames():
        with open(os.path.join(out, name), "wb") as f:
            pickle.dump(df, f, protocol=5)


if __name__ == "__main__":
    main()
