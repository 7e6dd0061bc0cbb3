/**
 * @fileoverview The GUIDs the stub uses, as 16-byte values.
 *
 * Source: UEFI Specification 2.10 (section per GUID below; EFI_GUID layout in 7.3.1
 * InstallProtocolInterface: UINT32 Data1, UINT16 Data2, UINT16 Data3, UINT8 Data4[8], stored
 * little-endian). Each GUID is given as its four little-endian 32-bit words (_0 .. _3), i.e. the
 * 16 bytes in memory order read four at a time, so writing or comparing one is four 32-bit
 * physical accesses and no 64-bit arithmetic. The registry-format string is in each comment.
 */

import { addressPlusHi, addressPlusLo } from './address';

export const GUID_SIZE = 16;

/** 5B1B31A1-9562-11D2-8E3F-00A0C969723B: UEFI 2.10 §9.1 EFI_LOADED_IMAGE_PROTOCOL. */
export const LOADED_IMAGE_PROTOCOL_GUID_0 = 0x5b1b31a1;
export const LOADED_IMAGE_PROTOCOL_GUID_1 = 0x11d29562;
export const LOADED_IMAGE_PROTOCOL_GUID_2 = 0xa0003f8e;
export const LOADED_IMAGE_PROTOCOL_GUID_3 = 0x3b7269c9;
/** BC62157E-3E33-4FEC-9920-2D3B36D750DF: §9.2 EFI_LOADED_IMAGE_DEVICE_PATH_PROTOCOL. */
export const LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID_0 = 0xbc62157e;
export const LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID_1 = 0x4fec3e33;
export const LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID_2 = 0x3b2d2099;
export const LOADED_IMAGE_DEVICE_PATH_PROTOCOL_GUID_3 = 0xdf50d736;
/** 09576E91-6D3F-11D2-8E39-00A0C969723B: §10.2 EFI_DEVICE_PATH_PROTOCOL. */
export const DEVICE_PATH_PROTOCOL_GUID_0 = 0x09576e91;
export const DEVICE_PATH_PROTOCOL_GUID_1 = 0x11d26d3f;
export const DEVICE_PATH_PROTOCOL_GUID_2 = 0xa000398e;
export const DEVICE_PATH_PROTOCOL_GUID_3 = 0x3b7269c9;
/** 387477C2-69C7-11D2-8E39-00A0C969723B: §12.4 EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL. */
export const SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID_0 = 0x387477c2;
export const SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID_1 = 0x11d269c7;
export const SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID_2 = 0xa000398e;
export const SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID_3 = 0x3b7269c9;
/** 9042A9DE-23DC-4A38-96FB-7ADED080516A: §12.9 EFI_GRAPHICS_OUTPUT_PROTOCOL. */
export const GRAPHICS_OUTPUT_PROTOCOL_GUID_0 = 0x9042a9de;
export const GRAPHICS_OUTPUT_PROTOCOL_GUID_1 = 0x4a3823dc;
export const GRAPHICS_OUTPUT_PROTOCOL_GUID_2 = 0xde7afb96;
export const GRAPHICS_OUTPUT_PROTOCOL_GUID_3 = 0x6a5180d0;
/** 4006C0C1-FCB3-403E-996D-4A6C8724E06D: §13.2 EFI_LOAD_FILE2_PROTOCOL. */
export const LOAD_FILE2_PROTOCOL_GUID_0 = 0x4006c0c1;
export const LOAD_FILE2_PROTOCOL_GUID_1 = 0x403efcb3;
export const LOAD_FILE2_PROTOCOL_GUID_2 = 0x6c4a6d99;
export const LOAD_FILE2_PROTOCOL_GUID_3 = 0x6de02487;
/** 964E5B22-6459-11D2-8E39-00A0C969723B: §13.4 EFI_SIMPLE_FILE_SYSTEM_PROTOCOL. */
export const SIMPLE_FILE_SYSTEM_PROTOCOL_GUID_0 = 0x964e5b22;
export const SIMPLE_FILE_SYSTEM_PROTOCOL_GUID_1 = 0x11d26459;
export const SIMPLE_FILE_SYSTEM_PROTOCOL_GUID_2 = 0xa000398e;
export const SIMPLE_FILE_SYSTEM_PROTOCOL_GUID_3 = 0x3b7269c9;
/** 3152BCA5-EADE-433D-862E-C01CDC291F44: §37.5 EFI_RNG_PROTOCOL. */
export const RNG_PROTOCOL_GUID_0 = 0x3152bca5;
export const RNG_PROTOCOL_GUID_1 = 0x433deade;
export const RNG_PROTOCOL_GUID_2 = 0x1cc02e86;
export const RNG_PROTOCOL_GUID_3 = 0x441f29dc;
/** F4560CF6-40EC-4B4A-A192-BF1D57D0B189: §37.7 EFI_MEMORY_ATTRIBUTE_PROTOCOL (UEFI 2.10). */
export const MEMORY_ATTRIBUTE_PROTOCOL_GUID_0 = 0xf4560cf6;
export const MEMORY_ATTRIBUTE_PROTOCOL_GUID_1 = 0x4b4a40ec;
export const MEMORY_ATTRIBUTE_PROTOCOL_GUID_2 = 0x1dbf92a1;
export const MEMORY_ATTRIBUTE_PROTOCOL_GUID_3 = 0x89b1d057;
/** 8868E871-E4F1-11D3-BC22-0080C73C8881: §4.6 EFI_ACPI_20_TABLE_GUID. */
export const ACPI_20_TABLE_GUID_0 = 0x8868e871;
export const ACPI_20_TABLE_GUID_1 = 0x11d3e4f1;
export const ACPI_20_TABLE_GUID_2 = 0x800022bc;
export const ACPI_20_TABLE_GUID_3 = 0x81883cc7;
/** EB9D2D30-2D88-11D3-9A16-0090273FC14D: §4.6 ACPI_TABLE_GUID (ACPI 1.0). */
export const ACPI_TABLE_GUID_0 = 0xeb9d2d30;
export const ACPI_TABLE_GUID_1 = 0x11d32d88;
export const ACPI_TABLE_GUID_2 = 0x9000169a;
export const ACPI_TABLE_GUID_3 = 0x4dc13f27;
/** EB9D2D31-2D88-11D3-9A16-0090273FC14D: §4.6 SMBIOS_TABLE_GUID. */
export const SMBIOS_TABLE_GUID_0 = 0xeb9d2d31;
export const SMBIOS_TABLE_GUID_1 = 0x11d32d88;
export const SMBIOS_TABLE_GUID_2 = 0x9000169a;
export const SMBIOS_TABLE_GUID_3 = 0x4dc13f27;
/** F2FD1544-9794-4A2C-992E-E5BBCF20E394: §4.6 SMBIOS3_TABLE_GUID. */
export const SMBIOS3_TABLE_GUID_0 = 0xf2fd1544;
export const SMBIOS3_TABLE_GUID_1 = 0x4a2c9794;
export const SMBIOS3_TABLE_GUID_2 = 0xbbe52e99;
export const SMBIOS3_TABLE_GUID_3 = 0x94e320cf;
/** 05AD34BA-6F02-4214-952E-4DA0398E2BB9: UEFI PI 1.8 vol. 2 §7.2 DXE_SERVICES_TABLE_GUID. */
export const DXE_SERVICES_TABLE_GUID_0 = 0x05ad34ba;
export const DXE_SERVICES_TABLE_GUID_1 = 0x42146f02;
export const DXE_SERVICES_TABLE_GUID_2 = 0xa04d2e95;
export const DXE_SERVICES_TABLE_GUID_3 = 0xb92b8e39;
/** 5568E427-68FC-4F3D-AC74-CA555231CC68: Linux include/linux/efi.h LINUX_EFI_INITRD_MEDIA_GUID (vendor media device path for LoadFile2). */
export const LINUX_EFI_INITRD_MEDIA_GUID_0 = 0x5568e427;
export const LINUX_EFI_INITRD_MEDIA_GUID_1 = 0x4f3d68fc;
export const LINUX_EFI_INITRD_MEDIA_GUID_2 = 0x55ca74ac;
export const LINUX_EFI_INITRD_MEDIA_GUID_3 = 0x68cc3152;
/** 067B1F5F-CF26-44C5-8554-93D777912D42: AMD SEV-SNP confidential computing blob (Linux EFI_CC_BLOB_GUID, OVMF ConfidentialComputingSevSnpBlob). */
export const CC_BLOB_GUID_0 = 0x067b1f5f;
export const CC_BLOB_GUID_1 = 0x44c5cf26;
export const CC_BLOB_GUID_2 = 0xd7935485;
export const CC_BLOB_GUID_3 = 0x422d9177;

/** D5D1DE3C-105C-44F9-9EA9-BCEF98120031: Linux include/linux/efi.h LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID (≥ 6.5). */
export const LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_0 = 0xd5d1de3c;
export const LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_1 = 0x44f9105c;
export const LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_2 = 0xefbca99e;
export const LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_3 = 0x31001298;
/** Writes a GUID (four little-endian words) at a physical address; returns a status. */
export function guidWrite(
  addressLo: number, addressHi: number, word0: number, word1: number, word2: number, word3: number,
): number {
  let status = hostPhysWrite32(addressLo, addressHi, word0) >>> 0;
  if (status === 0) {
    status = hostPhysWrite32(addressPlusLo(addressLo, 4), addressPlusHi(addressLo, addressHi, 4), word1) >>> 0;
  }
  if (status === 0) {
    status = hostPhysWrite32(addressPlusLo(addressLo, 8), addressPlusHi(addressLo, addressHi, 8), word2) >>> 0;
  }
  if (status === 0) {
    status = hostPhysWrite32(addressPlusLo(addressLo, 12), addressPlusHi(addressLo, addressHi, 12), word3) >>> 0;
  }
  return status;
}

/** True when the 16 bytes at a physical address are the given GUID. */
export function guidEquals(
  addressLo: number, addressHi: number, word0: number, word1: number, word2: number, word3: number,
): boolean {
  return (
    (hostPhysRead32(addressLo, addressHi) | 0) === (word0 | 0) &&
    (hostPhysRead32(addressPlusLo(addressLo, 4), addressPlusHi(addressLo, addressHi, 4)) | 0) === (word1 | 0) &&
    (hostPhysRead32(addressPlusLo(addressLo, 8), addressPlusHi(addressLo, addressHi, 8)) | 0) === (word2 | 0) &&
    (hostPhysRead32(addressPlusLo(addressLo, 12), addressPlusHi(addressLo, addressHi, 12)) | 0) === (word3 | 0)
  );
}
