/**
 * @fileoverview The UEFI system tables as byte offsets, in specification order.
 *
 * Source: UEFI Specification 2.10, chapter 4 "EFI System Table" (4.2 EFI_TABLE_HEADER, 4.3
 * EFI_SYSTEM_TABLE, 4.4 EFI_BOOT_SERVICES, 4.5 EFI_RUNTIME_SERVICES, 4.6
 * EFI_CONFIGURATION_TABLE) and chapter 7 "Services — Boot Services" (7.2 memory types,
 * allocate types, EFI_MEMORY_DESCRIPTOR). x86_64 only: pointers and UINTN are 8 bytes, UINT32
 * fields followed by a pointer are padded to 8.
 *
 * Every slot of the boot and runtime services tables is listed, used or not, so each offset is
 * the previous one plus 8 and a reader can check the list against the spec line by line (the
 * same reason Linux keeps placeholders in union efi_boot_services). test/fast/efi-tables.test.ts
 * recomputes every offset from a list of slot names; the simulator builds its tables from these
 * constants.
 *
 * 64-bit constants (signatures, the runtime attribute bit) are given as LO/HI 32-bit halves.
 */

export const EFI_PAGE_SIZE = 4096;
export const EFI_PAGE_SHIFT = 12;

// --- 4.2 EFI_TABLE_HEADER -------------------------------------------------------------------
export const TABLE_HEADER_SIGNATURE = 0; // UINT64
export const TABLE_HEADER_REVISION = 8; // UINT32
export const TABLE_HEADER_HEADER_SIZE = 12; // UINT32
export const TABLE_HEADER_CRC32 = 16; // UINT32
export const TABLE_HEADER_RESERVED = 20; // UINT32
export const TABLE_HEADER_SIZE = 24;

// --- 4.3 EFI_SYSTEM_TABLE -------------------------------------------------------------------
/** EFI_SYSTEM_TABLE_SIGNATURE 0x5453595320494249 ("IBI SYST"). */
export const SYSTEM_TABLE_SIGNATURE_LO = 0x20494249;
export const SYSTEM_TABLE_SIGNATURE_HI = 0x54535953;
export const SYSTEM_TABLE_FIRMWARE_VENDOR = 24; // CHAR16 *
export const SYSTEM_TABLE_FIRMWARE_REVISION = 32; // UINT32 (+4 padding)
export const SYSTEM_TABLE_CONSOLE_IN_HANDLE = 40;
export const SYSTEM_TABLE_CON_IN = 48;
export const SYSTEM_TABLE_CONSOLE_OUT_HANDLE = 56;
export const SYSTEM_TABLE_CON_OUT = 64;
export const SYSTEM_TABLE_STANDARD_ERROR_HANDLE = 72;
export const SYSTEM_TABLE_STD_ERR = 80;
export const SYSTEM_TABLE_RUNTIME_SERVICES = 88;
export const SYSTEM_TABLE_BOOT_SERVICES = 96;
export const SYSTEM_TABLE_NUMBER_OF_TABLE_ENTRIES = 104; // UINTN
export const SYSTEM_TABLE_CONFIGURATION_TABLE = 112;
export const SYSTEM_TABLE_SIZE = 120;

// --- 4.4 EFI_BOOT_SERVICES ------------------------------------------------------------------
/** EFI_BOOT_SERVICES_SIGNATURE 0x56524553544f4f42 ("BOOTSERV"). */
export const BOOT_SERVICES_SIGNATURE_LO = 0x544f4f42;
export const BOOT_SERVICES_SIGNATURE_HI = 0x56524553;
// Task priority services
export const BOOT_SERVICES_RAISE_TPL = 0x18;
export const BOOT_SERVICES_RESTORE_TPL = 0x20;
// Memory services
export const BOOT_SERVICES_ALLOCATE_PAGES = 0x28;
export const BOOT_SERVICES_FREE_PAGES = 0x30;
export const BOOT_SERVICES_GET_MEMORY_MAP = 0x38;
export const BOOT_SERVICES_ALLOCATE_POOL = 0x40;
export const BOOT_SERVICES_FREE_POOL = 0x48;
// Event and timer services
export const BOOT_SERVICES_CREATE_EVENT = 0x50;
export const BOOT_SERVICES_SET_TIMER = 0x58;
export const BOOT_SERVICES_WAIT_FOR_EVENT = 0x60;
export const BOOT_SERVICES_SIGNAL_EVENT = 0x68;
export const BOOT_SERVICES_CLOSE_EVENT = 0x70;
export const BOOT_SERVICES_CHECK_EVENT = 0x78;
// Protocol handler services
export const BOOT_SERVICES_INSTALL_PROTOCOL_INTERFACE = 0x80;
export const BOOT_SERVICES_REINSTALL_PROTOCOL_INTERFACE = 0x88;
export const BOOT_SERVICES_UNINSTALL_PROTOCOL_INTERFACE = 0x90;
export const BOOT_SERVICES_HANDLE_PROTOCOL = 0x98;
export const BOOT_SERVICES_RESERVED = 0xa0; // VOID *Reserved
export const BOOT_SERVICES_REGISTER_PROTOCOL_NOTIFY = 0xa8;
export const BOOT_SERVICES_LOCATE_HANDLE = 0xb0;
export const BOOT_SERVICES_LOCATE_DEVICE_PATH = 0xb8;
export const BOOT_SERVICES_INSTALL_CONFIGURATION_TABLE = 0xc0;
// Image services
export const BOOT_SERVICES_LOAD_IMAGE = 0xc8;
export const BOOT_SERVICES_START_IMAGE = 0xd0;
export const BOOT_SERVICES_EXIT = 0xd8;
export const BOOT_SERVICES_UNLOAD_IMAGE = 0xe0;
export const BOOT_SERVICES_EXIT_BOOT_SERVICES = 0xe8;
// Miscellaneous services
export const BOOT_SERVICES_GET_NEXT_MONOTONIC_COUNT = 0xf0;
export const BOOT_SERVICES_STALL = 0xf8;
export const BOOT_SERVICES_SET_WATCHDOG_TIMER = 0x100;
// DriverSupport services (EFI 1.1+)
export const BOOT_SERVICES_CONNECT_CONTROLLER = 0x108;
export const BOOT_SERVICES_DISCONNECT_CONTROLLER = 0x110;
// Open and close protocol services (EFI 1.1+)
export const BOOT_SERVICES_OPEN_PROTOCOL = 0x118;
export const BOOT_SERVICES_CLOSE_PROTOCOL = 0x120;
export const BOOT_SERVICES_OPEN_PROTOCOL_INFORMATION = 0x128;
// Library services (EFI 1.1+)
export const BOOT_SERVICES_PROTOCOLS_PER_HANDLE = 0x130;
export const BOOT_SERVICES_LOCATE_HANDLE_BUFFER = 0x138;
export const BOOT_SERVICES_LOCATE_PROTOCOL = 0x140;
export const BOOT_SERVICES_INSTALL_MULTIPLE_PROTOCOL_INTERFACES = 0x148;
export const BOOT_SERVICES_UNINSTALL_MULTIPLE_PROTOCOL_INTERFACES = 0x150;
// 32-bit CRC services (EFI 1.1+)
export const BOOT_SERVICES_CALCULATE_CRC32 = 0x158;
// Miscellaneous services (EFI 1.1+)
export const BOOT_SERVICES_COPY_MEM = 0x160;
export const BOOT_SERVICES_SET_MEM = 0x168;
export const BOOT_SERVICES_CREATE_EVENT_EX = 0x170; // UEFI 2.0+
export const BOOT_SERVICES_SIZE = 0x178;

// --- 4.5 EFI_RUNTIME_SERVICES ---------------------------------------------------------------
/** EFI_RUNTIME_SERVICES_SIGNATURE 0x56524553544e5552 ("RUNTSERV"). */
export const RUNTIME_SERVICES_SIGNATURE_LO = 0x544e5552;
export const RUNTIME_SERVICES_SIGNATURE_HI = 0x56524553;
// Time services
export const RUNTIME_SERVICES_GET_TIME = 0x18;
export const RUNTIME_SERVICES_SET_TIME = 0x20;
export const RUNTIME_SERVICES_GET_WAKEUP_TIME = 0x28;
export const RUNTIME_SERVICES_SET_WAKEUP_TIME = 0x30;
// Virtual memory services
export const RUNTIME_SERVICES_SET_VIRTUAL_ADDRESS_MAP = 0x38;
export const RUNTIME_SERVICES_CONVERT_POINTER = 0x40;
// Variable services
export const RUNTIME_SERVICES_GET_VARIABLE = 0x48;
export const RUNTIME_SERVICES_GET_NEXT_VARIABLE_NAME = 0x50;
export const RUNTIME_SERVICES_SET_VARIABLE = 0x58;
// Miscellaneous services
export const RUNTIME_SERVICES_GET_NEXT_HIGH_MONOTONIC_COUNT = 0x60;
export const RUNTIME_SERVICES_RESET_SYSTEM = 0x68;
// UEFI 2.0 capsule services
export const RUNTIME_SERVICES_UPDATE_CAPSULE = 0x70;
export const RUNTIME_SERVICES_QUERY_CAPSULE_CAPABILITIES = 0x78;
// Miscellaneous UEFI 2.0 service
export const RUNTIME_SERVICES_QUERY_VARIABLE_INFO = 0x80;
export const RUNTIME_SERVICES_SIZE = 0x88;

// --- 4.6 EFI_CONFIGURATION_TABLE ------------------------------------------------------------
export const CONFIGURATION_TABLE_VENDOR_GUID = 0; // EFI_GUID (16 bytes)
export const CONFIGURATION_TABLE_VENDOR_TABLE = 16; // VOID *
export const CONFIGURATION_TABLE_SIZE = 24;

// --- 7.2.3 EFI_MEMORY_DESCRIPTOR (GetMemoryMap) ---------------------------------------------
// The firmware's DescriptorSize may be larger than this structure (OVMF returns 48): always
// step through a map by the DescriptorSize GetMemoryMap returned, never by this size.
export const MEMORY_DESCRIPTOR_TYPE = 0; // UINT32 (+4 padding)
export const MEMORY_DESCRIPTOR_PHYSICAL_START = 8; // EFI_PHYSICAL_ADDRESS
export const MEMORY_DESCRIPTOR_VIRTUAL_START = 16; // EFI_VIRTUAL_ADDRESS
export const MEMORY_DESCRIPTOR_NUMBER_OF_PAGES = 24; // UINT64
export const MEMORY_DESCRIPTOR_ATTRIBUTE = 32; // UINT64
export const MEMORY_DESCRIPTOR_SIZE = 40;
export const EFI_MEMORY_DESCRIPTOR_VERSION = 1;

// --- 7.2.1 EFI_MEMORY_TYPE ------------------------------------------------------------------
export const EFI_RESERVED_MEMORY_TYPE = 0;
export const EFI_LOADER_CODE = 1;
export const EFI_LOADER_DATA = 2;
export const EFI_BOOT_SERVICES_CODE = 3;
export const EFI_BOOT_SERVICES_DATA = 4;
export const EFI_RUNTIME_SERVICES_CODE = 5;
export const EFI_RUNTIME_SERVICES_DATA = 6;
export const EFI_CONVENTIONAL_MEMORY = 7;
export const EFI_UNUSABLE_MEMORY = 8;
export const EFI_ACPI_RECLAIM_MEMORY = 9;
export const EFI_ACPI_MEMORY_NVS = 10;
export const EFI_MEMORY_MAPPED_IO = 11;
export const EFI_MEMORY_MAPPED_IO_PORT_SPACE = 12;
export const EFI_PAL_CODE = 13;
export const EFI_PERSISTENT_MEMORY = 14;
export const EFI_UNACCEPTED_MEMORY_TYPE = 15;
export const EFI_MAX_MEMORY_TYPE = 16;

// --- 7.2.1 EFI_ALLOCATE_TYPE ----------------------------------------------------------------
export const ALLOCATE_ANY_PAGES = 0;
export const ALLOCATE_MAX_ADDRESS = 1;
export const ALLOCATE_ADDRESS = 2;
export const MAX_ALLOCATE_TYPE = 3;

// --- 7.2.3 memory attribute bits (EFI_MEMORY_DESCRIPTOR.Attribute), low and high halves -------
export const EFI_MEMORY_UC = 0x1;
export const EFI_MEMORY_WC = 0x2;
export const EFI_MEMORY_WT = 0x4;
export const EFI_MEMORY_WB = 0x8;
export const EFI_MEMORY_UCE = 0x10;
export const EFI_MEMORY_WP = 0x1000;
export const EFI_MEMORY_RP = 0x2000;
export const EFI_MEMORY_XP = 0x4000;
export const EFI_MEMORY_NV = 0x8000;
export const EFI_MEMORY_MORE_RELIABLE = 0x10000;
export const EFI_MEMORY_RO = 0x20000;
export const EFI_MEMORY_SP = 0x40000;
export const EFI_MEMORY_CPU_CRYPTO = 0x80000;
/** EFI_MEMORY_RUNTIME is bit 63: the high half. */
export const EFI_MEMORY_RUNTIME_HI = 0x80000000;

// --- 7.3.9 OpenProtocol() Attributes --------------------------------------------------------
export const EFI_OPEN_PROTOCOL_BY_HANDLE_PROTOCOL = 0x1;
export const EFI_OPEN_PROTOCOL_GET_PROTOCOL = 0x2;
export const EFI_OPEN_PROTOCOL_TEST_PROTOCOL = 0x4;
export const EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER = 0x8;
export const EFI_OPEN_PROTOCOL_BY_DRIVER = 0x10;
export const EFI_OPEN_PROTOCOL_EXCLUSIVE = 0x20;

// --- 7.3.16 LocateHandle() / LocateHandleBuffer() SearchType ---------------------------------
export const ALL_HANDLES = 0;
export const BY_REGISTER_NOTIFY = 1;
export const BY_PROTOCOL = 2;
