"""Re-encode a directory of single-frame DICOM files with a compressed transfer syntax by implementations
independent of YingZhi's decoders, for tests/imaging-codecs.test.ts: JPEG Lossless and JPEG 2000 through
SimpleITK's GDCM (its compressor names JPEG, JPEG2000), RLE Lossless through pydicom's own encoder.
Usage: python compress-dicom.py <in-dir> <out-dir> JPEG|JPEG2000|RLE"""
import os
import sys

import SimpleITK as sitk

src, dst, compressor = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(dst, exist_ok=True)
if compressor == 'RLE':
    import pydicom
    from pydicom.uid import RLELossless

    for name in sorted(os.listdir(src)):
        ds = pydicom.dcmread(os.path.join(src, name))
        ds.compress(RLELossless, encoding_plugin='pydicom')
        ds.save_as(os.path.join(dst, name))
    sys.exit(0)
for name in sorted(os.listdir(src)):
    reader = sitk.ImageFileReader()
    reader.SetImageIO('GDCMImageIO')
    reader.SetFileName(os.path.join(src, name))
    reader.LoadPrivateTagsOn()
    reader.ReadImageInformation()
    # ITK applies the rescale on reading; GDCM's lossless encoders take integer pixels, written back with
    # rescale 1/0 (the stored values are then the HU themselves, which the reader must reproduce).
    image = sitk.Cast(reader.Execute(), sitk.sitkInt16)
    for key in reader.GetMetaDataKeys():
        if not key.startswith('0028|') and not key.startswith('7fe0|') and not key.startswith('0002|'):
            image.SetMetaData(key, reader.GetMetaData(key))
    writer = sitk.ImageFileWriter()
    writer.SetImageIO('GDCMImageIO')
    writer.KeepOriginalImageUIDOn()
    writer.SetUseCompression(True)
    writer.SetCompressor(compressor)
    writer.SetFileName(os.path.join(dst, name))
    writer.Execute(image)
