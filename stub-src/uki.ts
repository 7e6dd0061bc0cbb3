/**
 * @fileoverview The Unified Kernel Image (UKI) sections: their numbers and their PE names.
 *
 * Owned here, once, for the stub (which finds its payload in these sections), the PE writer
 * (compiler/pe-writer.ts, which only accepts these names) and `efistub inspect`.
 *
 * Source: systemd src/fundamental/uki.h (enum UnifiedSection) and uki.c (unified_sections[]),
 * and the UAPI group's Unified Kernel Image specification. The numbering is the canonical
 * order in which the sections are measured into TPM PCR 11: DO NOT REORDER, and add new
 * sections only at the end, as systemd does (newer systemd has .profile, .dtbauto, .hwids and
 * .efifw after .pcrpkey; efistub does not use them yet).
 *
 * Every name fits the 8 bytes of a PE section header's Name field: image files have no string
 * table for longer names (PE/COFF specification, "Section Table (Section Headers)").
 *
 * Stub subset: plain `const` numbers and one function returning string literals.
 */

export const UKI_SECTION_LINUX = 0;
export const UKI_SECTION_OSREL = 1;
export const UKI_SECTION_CMDLINE = 2;
export const UKI_SECTION_INITRD = 3;
export const UKI_SECTION_UCODE = 4;
export const UKI_SECTION_SPLASH = 5;
export const UKI_SECTION_DTB = 6;
export const UKI_SECTION_UNAME = 7;
export const UKI_SECTION_SBAT = 8;
export const UKI_SECTION_PCRSIG = 9;
export const UKI_SECTION_PCRPKEY = 10;
/** Number of sections above; loop `for (let s = 0; s < UKI_SECTION_COUNT; s = (s + 1) | 0)`. */
export const UKI_SECTION_COUNT = 11;

/** The PE section name of a UKI section number; "" for a number outside the list. */
export function ukiSectionName(section: number): string {
  switch (section) {
    case UKI_SECTION_LINUX:
      return '.linux';
    case UKI_SECTION_OSREL:
      return '.osrel';
    case UKI_SECTION_CMDLINE:
      return '.cmdline';
    case UKI_SECTION_INITRD:
      return '.initrd';
    case UKI_SECTION_UCODE:
      return '.ucode';
    case UKI_SECTION_SPLASH:
      return '.splash';
    case UKI_SECTION_DTB:
      return '.dtb';
    case UKI_SECTION_UNAME:
      return '.uname';
    case UKI_SECTION_SBAT:
      return '.sbat';
    case UKI_SECTION_PCRSIG:
      return '.pcrsig';
    case UKI_SECTION_PCRPKEY:
      return '.pcrpkey';
    default:
      return '';
  }
}
