import dicomParser from 'dicom-parser';
import type { NamedBytes } from './dicom-series.ts';
import { hasDicomPreamble } from './dicom-dataset.ts';

/** Patient-identifying elements blanked before an uploaded DICOM file is hashed, spooled or measured. */
const PATIENT_TAGS = [
  'x00100010', // PatientName
  'x00100020', // PatientID
  'x00100030', // PatientBirthDate
  'x00100032', // PatientBirthTime
  'x00101000', // OtherPatientIDs
  'x00101001', // OtherPatientNames
  'x00101040', // PatientAddress
  'x00102154', // PatientTelephoneNumbers
  'x00080090', // ReferringPhysicianName
  'x00080050', // AccessionNumber
  'x00081048', // PhysiciansOfRecord
  'x00081060', // NameOfPhysiciansReadingStudy
  'x00321032', // RequestingPhysician
];

/**
 * Blank the patient's identifying values in place (same length, space-padded, so the file stays valid):
 * measuring needs none of them, and nothing YingZhi writes — spool files, hashes, results — may hold them.
 * NIfTI and unparsable files are left alone (the readers reject the latter with their own reason).
 */
export function scrubPatientFields(files: NamedBytes[]): NamedBytes[] {
  for (const f of files) {
    if (!hasDicomPreamble(f.bytes)) continue;
    let ds: dicomParser.DataSet;
    try {
      ds = dicomParser.parseDicom(f.bytes, { untilTag: 'x7fe00010' });
    } catch {
      continue;
    }
    for (const tag of PATIENT_TAGS) {
      const el = ds.elements[tag];
      if (el?.length) f.bytes.fill(0x20, el.dataOffset, el.dataOffset + el.length);
    }
  }
  return files;
}
