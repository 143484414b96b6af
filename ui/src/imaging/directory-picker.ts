/** Ref callback: React does not know the directory-picker attribute, so it is set on the element. */
export const directoryPicker = (el: HTMLInputElement | null) => el?.setAttribute('webkitdirectory', '');
