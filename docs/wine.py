"""Writes wine2.csv and wine6.csv (with a header) into the current folder: columns of the UCI
wine data as scikit-learn ships it (Debian's python3-sklearn; read from the package, no
download). The pictures in the README are `diffmix plot` of models fitted to these files."""
from sklearn.datasets import load_wine

wine = load_wine()


def write(name, columns):
    index = [wine.feature_names.index(c) for c in columns]
    with open(name, "w") as f:
        f.write(",".join(columns) + "\n")
        for row in wine.data[:, index]:
            f.write(",".join(repr(float(v)) for v in row) + "\n")


write("wine2.csv", ["flavanoids", "color_intensity"])
write("wine6.csv", ["alcohol", "malic_acid", "flavanoids", "color_intensity", "hue", "proline"])
