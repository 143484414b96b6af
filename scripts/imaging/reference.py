"""Reference measurements for YingZhi's imaging cross-check (tests/imaging-reference.test.ts, bench).

Reads a JSON job list on stdin: [{"id", "image", "mask", "label"}] (NIfTI paths) and prints one JSON
object: {"versions": {...}, "results": {id: {"pyradiomics": {...} | null, "sitk": {...}, "ms": {...}}}}.
pyradiomics (first order + shape, default settings: binWidth 25, no resampling, no normalisation) gives the
feature values; SimpleITK's label statistics give an independent voxel count, physical size, intensity
statistics and Feret diameter. Runs only inside the test venv that scripts/imaging/reference-venv.sh builds.
"""
import json
import logging
import sys
import time

import numpy as np
import SimpleITK as sitk

try:
    import radiomics
    from radiomics import featureextractor
    logging.getLogger("radiomics").setLevel(logging.ERROR)
except ImportError:  # the cross-check falls back to SimpleITK + numpy reference formulas
    radiomics = None


FIRSTORDER = ["Energy", "TotalEnergy", "Entropy", "Minimum", "10Percentile", "90Percentile", "Maximum", "Mean", "Median",
              "InterquartileRange", "Range", "MeanAbsoluteDeviation", "RobustMeanAbsoluteDeviation", "RootMeanSquared",
              "StandardDeviation", "Skewness", "Kurtosis", "Variance", "Uniformity"]
SHAPE = ["MeshVolume", "VoxelVolume", "SurfaceArea", "SurfaceVolumeRatio", "Sphericity", "Compactness1", "Compactness2",
         "SphericalDisproportion", "Maximum3DDiameter", "Maximum2DDiameterSlice", "Maximum2DDiameterColumn",
         "Maximum2DDiameterRow", "MajorAxisLength", "MinorAxisLength", "LeastAxisLength", "Elongation", "Flatness"]


def sitk_reference(image, mask, label):
    shape = sitk.LabelShapeStatisticsImageFilter()
    shape.ComputeFeretDiameterOn()
    shape.ComputePerimeterOn()
    shape.Execute(mask)
    stats = sitk.LabelIntensityStatisticsImageFilter()
    stats.Execute(mask, image)
    values = sitk.GetArrayViewFromImage(image)[sitk.GetArrayViewFromImage(mask) == label].astype(np.float64)
    return {
        "voxels": int(shape.GetNumberOfPixels(label)),
        "physicalSize": shape.GetPhysicalSize(label),
        "feretDiameter": shape.GetFeretDiameter(label),
        "mean": stats.GetMean(label),
        "sd": float(np.std(values)),
        "min": stats.GetMinimum(label),
        "max": stats.GetMaximum(label),
        "median": float(np.median(values)),
        "p10": float(np.percentile(values, 10)),
        "p90": float(np.percentile(values, 90)),
    }


def main():
    jobs = json.load(sys.stdin)
    extractor = None
    if radiomics is not None:
        extractor = featureextractor.RadiomicsFeatureExtractor()
        extractor.disableAllFeatures()
        # By name, so the features pyradiomics marks deprecated (StandardDeviation, Compactness1/2,
        # SphericalDisproportion) are computed too.
        extractor.enableFeaturesByName(firstorder=FIRSTORDER, shape=SHAPE)
    results = {}
    for job in jobs:
        t0 = time.perf_counter()
        image = sitk.ReadImage(job["image"])
        mask = sitk.ReadImage(job["mask"], sitk.sitkUInt16)
        t1 = time.perf_counter()
        out = {"sitk": sitk_reference(image, mask, job["label"]), "pyradiomics": None}
        t2 = time.perf_counter()
        if extractor is not None:
            r = extractor.execute(image, mask, label=job["label"])
            out["pyradiomics"] = {k[len("original_"):]: float(v) for k, v in r.items() if k.startswith("original_")}
        t3 = time.perf_counter()
        out["ms"] = {"read": (t1 - t0) * 1000, "sitk": (t2 - t1) * 1000, "pyradiomics": (t3 - t2) * 1000}
        results[job["id"]] = out
    versions = {"python": sys.version.split()[0], "numpy": np.__version__, "SimpleITK": sitk.Version_VersionString()}
    if radiomics is not None:
        versions["pyradiomics"] = radiomics.__version__
    json.dump({"versions": versions, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
