/**
 * @fileoverview Boot step 3: the AMD memory-encryption state (SME, SEV, SEV-ES, SEV-SNP).
 *
 * Since the EFI stub stopped running the legacy decompressor, the checks that decompressor did
 * for SEV guests belong to the stub (../shared/reference: a guest that cannot run must be
 * refused while the firmware can still report it). Detection follows AMD's APM vol. 2 §15.34
 * and vol. 3 (CPUID Fn8000_001F): EAX bit 0 SME, bit 1 SEV, bit 3 SEV-ES, bit 4 SEV-SNP; EBX[5:0]
 * the C-bit position. MSR 0xC0010131 (SEV_STATUS) is read only when SEV is advertised: reading it
 * elsewhere raises #GP. Its bits 0/1/2 say SEV/SEV-ES/SNP are active for this guest; bits 3 and
 * up are SNP features the hypervisor turned on.
 *
 * SNP refusals, before ExitBootServices, with EFI_UNSUPPORTED back to the firmware:
 * - a feature the kernel does not implement: the guest would misbehave (Linux 6.1's
 *   arch/x86/boot/compressed/sev.c, SNP_FEATURES_IMPL_REQ & ~SNP_FEATURES_PRESENT; 6.1 implements
 *   none of them, so SEV_SNP_FEATURES_NEEDING_SUPPORT below is that mask and the supported set
 *   is empty: the table is the pair of constants SEV_SNP_FEATURES_NEEDING_SUPPORT_* and
 *   SEV_SNP_FEATURES_SUPPORTED_*, to be extended with the kernel versions that implement more);
 * - SEV active without SNP while the firmware gives an SNP blob (Linux's sev_enable refuses it too);
 * - no valid confidential-computing blob (EFI_CC_BLOB_GUID in the configuration table, header
 *   magic "AMDE" 0x45444d41, struct cc_blob_sev_info in arch/x86/include/asm/sev.h), which the
 *   kernel needs to find the SNP secrets and CPUID pages; the blob goes to
 *   boot_params.cc_blob_address (32 bits: a blob above 4 GiB is refused too).
 */

import { readField32, uint32AtMost } from '../efi/address';
import { configTableFind, configTableFoundHi, configTableFoundLo } from '../efi/config-table';
import { CC_BLOB_GUID_0, CC_BLOB_GUID_1, CC_BLOB_GUID_2, CC_BLOB_GUID_3 } from '../efi/guids';
import { EFI_UNSUPPORTED } from '../efi/status';
import { fail, logAppendDecimal, logAppendHex, logAppendHex64, logAppendText, logFinish, logStart } from '../log';

export const CPUID_EXTENDED_MAX = 0x80000000;
export const CPUID_MEMORY_ENCRYPTION = 0x8000001f;
export const MSR_SEV_STATUS = 0xc0010131;
export const CPUID_SME = 0x01;
export const CPUID_SEV = 0x02;
export const CPUID_SEV_ES = 0x08;
export const CPUID_SEV_SNP = 0x10;
export const SEV_STATUS_SEV = 0x01;
export const SEV_STATUS_SEV_ES = 0x02;
export const SEV_STATUS_SNP = 0x04;
/** SEV_STATUS bits 3-7, 10-13, 15, 16, 18-22 and 24-63: features the guest must implement (not 8, 9,
 * 14, 17, 23: host-side protections that need nothing from the guest). */
export const SEV_SNP_FEATURES_NEEDING_SUPPORT_LO = 0xff7dbcf8;
export const SEV_SNP_FEATURES_NEEDING_SUPPORT_HI = 0xffffffff;
/** Of those, what the kernel implements: nothing in 6.1. */
export const SEV_SNP_FEATURES_SUPPORTED_LO = 0;
export const SEV_SNP_FEATURES_SUPPORTED_HI = 0;
export const CC_BLOB_MAGIC = 0x45444d41;

// [0] CPUID 0x8000001F EAX, [1] EBX, [2..3] SEV_STATUS, [4] CC blob address (0 if none).
const sevState = new Uint32Array(new ArrayBuffer(20));
const sevRegisters = new Uint32Array(new ArrayBuffer(16));
const sevMsr = new Uint32Array(new ArrayBuffer(8));

export function sevStatusLo(): number {
  return sevState[2] >>> 0;
}
/** True when the guest runs with SEV-SNP active. */
export function sevSnpActive(): boolean {
  return (sevState[2] & SEV_STATUS_SNP) !== 0;
}
/** The confidential-computing blob for boot_params.cc_blob_address; 0 without SNP. */
export function sevCcBlobAddress(): number {
  return sevState[4] >>> 0;
}

/** Detects the encryption state, logs it, and refuses an SNP guest the kernel cannot run. */
export function sevCheck(): number {
  sevState[0] = 0;
  sevState[1] = 0;
  sevState[2] = 0;
  sevState[3] = 0;
  sevState[4] = 0;
  hostCpuid(CPUID_EXTENDED_MAX, 0, sevRegisters);
  if (uint32AtMost(CPUID_MEMORY_ENCRYPTION, sevRegisters[0])) {
    hostCpuid(CPUID_MEMORY_ENCRYPTION, 0, sevRegisters);
    sevState[0] = sevRegisters[0];
    sevState[1] = sevRegisters[1];
  }
  const features = sevState[0] >>> 0;
  if ((features & CPUID_SEV) !== 0) {
    const status = hostReadMsr(MSR_SEV_STATUS, sevMsr) >>> 0;
    if (status !== 0) {
      return fail(status, 'sev', 'SEV is advertised but SEV_STATUS (MSR 0xc0010131) cannot be read');
    }
    sevState[2] = sevMsr[0];
    sevState[3] = sevMsr[1];
  }
  logStart('sev');
  if ((features & (CPUID_SME | CPUID_SEV | CPUID_SEV_ES | CPUID_SEV_SNP)) === 0) {
    logAppendText('no memory encryption (CPUID 0x8000001f: none)');
  } else {
    logAppendText('CPU has');
    if ((features & CPUID_SME) !== 0) logAppendText(' SME');
    if ((features & CPUID_SEV) !== 0) logAppendText(' SEV');
    if ((features & CPUID_SEV_ES) !== 0) logAppendText(' SEV-ES');
    if ((features & CPUID_SEV_SNP) !== 0) logAppendText(' SNP');
    logAppendText(', C-bit ');
    logAppendDecimal(sevState[1] & 0x3f);
    logAppendText('; guest active:');
    const status = sevState[2] >>> 0;
    if ((status & (SEV_STATUS_SEV | SEV_STATUS_SEV_ES | SEV_STATUS_SNP)) === 0) logAppendText(' none');
    if ((status & SEV_STATUS_SEV) !== 0) logAppendText(' SEV');
    if ((status & SEV_STATUS_SEV_ES) !== 0) logAppendText(' SEV-ES');
    if ((status & SEV_STATUS_SNP) !== 0) logAppendText(' SNP');
    if ((features & CPUID_SEV) !== 0) {
      logAppendText(' (SEV_STATUS ');
      logAppendHex64(sevState[2], sevState[3]);
      logAppendText(')');
    }
  }
  logFinish();
  if (!sevSnpActive()) {
    // A firmware that hands over an SNP blob while the guest runs SEV without SNP is
    // inconsistent: Linux's decompressor (sev_enable, since 5.19) stops such a guest, and the
    // kernel alone, which finds the blob only through boot_params, would not notice.
    if ((sevState[2] & SEV_STATUS_SEV) !== 0 && configTableFind(CC_BLOB_GUID_0, CC_BLOB_GUID_1, CC_BLOB_GUID_2, CC_BLOB_GUID_3)) {
      return fail(EFI_UNSUPPORTED, 'sev', 'the firmware gives an SNP confidential-computing blob but SEV_STATUS says SNP is off');
    }
    return 0;
  }
  const unsupportedLo = (sevState[2] & SEV_SNP_FEATURES_NEEDING_SUPPORT_LO & ~SEV_SNP_FEATURES_SUPPORTED_LO) >>> 0;
  const unsupportedHi = (sevState[3] & SEV_SNP_FEATURES_NEEDING_SUPPORT_HI & ~SEV_SNP_FEATURES_SUPPORTED_HI) >>> 0;
  if (((unsupportedLo | unsupportedHi) | 0) !== 0) {
    logStart('sev');
    logAppendText('SNP features the kernel does not implement are enabled: ');
    logAppendHex64(unsupportedLo, unsupportedHi);
    logFinish();
    return fail(EFI_UNSUPPORTED, 'sev', 'refusing to boot an SNP guest the kernel cannot run');
  }
  if (!configTableFind(CC_BLOB_GUID_0, CC_BLOB_GUID_1, CC_BLOB_GUID_2, CC_BLOB_GUID_3)) {
    return fail(EFI_UNSUPPORTED, 'sev', 'SNP is active but the firmware gives no confidential-computing blob');
  }
  const blobLo = configTableFoundLo();
  const blobHi = configTableFoundHi();
  if (blobHi !== 0 || blobLo === 0 || readField32(blobLo, blobHi, 0) !== CC_BLOB_MAGIC) {
    return fail(EFI_UNSUPPORTED, 'sev', 'the confidential-computing blob is above 4 GiB or has no AMDE magic');
  }
  sevState[4] = blobLo;
  logStart('sev');
  logAppendText('SNP confidential-computing blob at ');
  logAppendHex(blobLo);
  logFinish();
  return 0;
}
