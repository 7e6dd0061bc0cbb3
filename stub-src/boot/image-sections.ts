/**
 * @fileoverview Boot step 1: the stub's own image and the UKI sections it carries.
 *
 * The loaded image protocol gives the image's base and size (UEFI 2.10 §9.1); the PE section
 * table (stub-src/pe-image.ts) gives where `efistub wrap` put the kernel (.linux, the bzImage as
 * shipped), the command line (.cmdline) and the initrds (.initrd; several are concatenated in
 * table order). Sizes are the sections' VirtualSize, which the wrapper sets to the data's exact
 * length (the raw size is rounded up to FileAlignment).
 */

import { addressPlusHi, addressPlusLo } from '../efi/address';
import {
  loadedImageField, openLoadedImage, LOADED_IMAGE_FIELD_BASE_HI, LOADED_IMAGE_FIELD_BASE_LO,
  LOADED_IMAGE_FIELD_SIZE_HI, LOADED_IMAGE_FIELD_SIZE_LO,
} from '../efi/proto-loaded-image';
import { EFI_LOAD_ERROR } from '../efi/status';
import { fail } from '../log';
import {
  peFindSection, peImageBaseHi, peImageBaseLo, peImageOpen, peSectionCount, peSectionInImage, peSectionNamed,
  peSectionVirtualAddress, peSectionVirtualSize,
} from '../pe-image';
import { ukiSectionName, UKI_SECTION_CMDLINE, UKI_SECTION_INITRD, UKI_SECTION_LINUX } from '../uki';

/** Most .initrd sections concatenated. */
export const IMAGE_MAX_INITRDS = 16;

/** Section indices, -1 when absent: [0] .linux, [1] .cmdline. */
const imageSectionIndex = new Int32Array(new ArrayBuffer(8));
/** The .initrd section indices in table order. */
const imageInitrdIndex = new Int32Array(new ArrayBuffer(IMAGE_MAX_INITRDS * 4));
let imageInitrdCount = 0;

/** Opens the loaded image and records its UKI sections. Fatal on a malformed image. */
export function imageSectionsFind(): number {
  imageSectionIndex[0] = -1;
  imageSectionIndex[1] = -1;
  imageInitrdCount = 0;
  let status = openLoadedImage();
  if (status !== 0) {
    return fail(status, 'loaded-image', 'failed to open the loaded image protocol');
  }
  if (loadedImageField(LOADED_IMAGE_FIELD_SIZE_HI) !== 0) {
    return fail(EFI_LOAD_ERROR, 'loaded-image', 'image larger than 4 GiB');
  }
  status = peImageOpen(
    loadedImageField(LOADED_IMAGE_FIELD_BASE_LO), loadedImageField(LOADED_IMAGE_FIELD_BASE_HI),
    loadedImageField(LOADED_IMAGE_FIELD_SIZE_LO),
  );
  if (status !== 0) {
    return status;
  }
  imageSectionIndex[0] = peFindSection(ukiSectionName(UKI_SECTION_LINUX));
  imageSectionIndex[1] = peFindSection(ukiSectionName(UKI_SECTION_CMDLINE));
  const initrdName = ukiSectionName(UKI_SECTION_INITRD);
  const count = peSectionCount();
  for (let index = 0; index < count; index = (index + 1) | 0) {
    if (peSectionNamed(index, initrdName)) {
      if (imageInitrdCount === IMAGE_MAX_INITRDS) {
        return fail(EFI_LOAD_ERROR, 'initrd', 'more than 16 .initrd sections');
      }
      imageInitrdIndex[imageInitrdCount] = index;
      imageInitrdCount = (imageInitrdCount + 1) | 0;
    }
  }
  for (let which = 0; which < 2; which = (which + 1) | 0) {
    if (imageSectionIndex[which] >= 0 && !peSectionInImage(imageSectionIndex[which])) {
      return fail(EFI_LOAD_ERROR, 'loaded-image', 'a .linux or .cmdline section lies outside the image');
    }
  }
  for (let which = 0; which < imageInitrdCount; which = (which + 1) | 0) {
    if (!peSectionInImage(imageInitrdIndex[which])) {
      return fail(EFI_LOAD_ERROR, 'initrd', 'an .initrd section lies outside the image');
    }
  }
  return 0;
}

/** True when the image carries a kernel (.linux): the boot flow runs, else the hello steps. */
export function imageHasKernel(): boolean {
  return imageSectionIndex[0] >= 0;
}

function sectionLo(index: number): number {
  return addressPlusLo(peImageBaseLo(), peSectionVirtualAddress(index));
}
function sectionHi(index: number): number {
  return addressPlusHi(peImageBaseLo(), peImageBaseHi(), peSectionVirtualAddress(index));
}

export function imageKernelLo(): number {
  return sectionLo(imageSectionIndex[0]);
}
export function imageKernelHi(): number {
  return sectionHi(imageSectionIndex[0]);
}
export function imageKernelSize(): number {
  return peSectionVirtualSize(imageSectionIndex[0]);
}

export function imageHasCmdline(): boolean {
  return imageSectionIndex[1] >= 0;
}
export function imageCmdlineLo(): number {
  return sectionLo(imageSectionIndex[1]);
}
export function imageCmdlineHi(): number {
  return sectionHi(imageSectionIndex[1]);
}
export function imageCmdlineSize(): number {
  return peSectionVirtualSize(imageSectionIndex[1]);
}

export function imageInitrdSections(): number {
  return imageInitrdCount;
}
export function imageInitrdLo(which: number): number {
  return sectionLo(imageInitrdIndex[which]);
}
export function imageInitrdHi(which: number): number {
  return sectionHi(imageInitrdIndex[which]);
}
export function imageInitrdSize(which: number): number {
  return peSectionVirtualSize(imageInitrdIndex[which]);
}
