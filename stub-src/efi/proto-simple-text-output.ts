/**
 * @fileoverview EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL layout (ConOut / StdErr).
 *
 * Source: UEFI Specification 2.10, §12.4 "Simple Text Output Protocol". The stub itself prints
 * through hostConsoleWrite (the C host owns ConOut and the serial mirror); the layout is here so
 * the firmware is described in one place and the simulator builds ConOut from it.
 */

export const SIMPLE_TEXT_OUTPUT_RESET = 0;
export const SIMPLE_TEXT_OUTPUT_OUTPUT_STRING = 8;
export const SIMPLE_TEXT_OUTPUT_TEST_STRING = 16;
export const SIMPLE_TEXT_OUTPUT_QUERY_MODE = 24;
export const SIMPLE_TEXT_OUTPUT_SET_MODE = 32;
export const SIMPLE_TEXT_OUTPUT_SET_ATTRIBUTE = 40;
export const SIMPLE_TEXT_OUTPUT_CLEAR_SCREEN = 48;
export const SIMPLE_TEXT_OUTPUT_SET_CURSOR_POSITION = 56;
export const SIMPLE_TEXT_OUTPUT_ENABLE_CURSOR = 64;
export const SIMPLE_TEXT_OUTPUT_MODE = 72; // SIMPLE_TEXT_OUTPUT_MODE *
export const SIMPLE_TEXT_OUTPUT_SIZE = 80;

// SIMPLE_TEXT_OUTPUT_MODE: six INT32/BOOLEAN fields.
export const TEXT_OUTPUT_MODE_MAX_MODE = 0;
export const TEXT_OUTPUT_MODE_MODE = 4;
export const TEXT_OUTPUT_MODE_ATTRIBUTE = 8;
export const TEXT_OUTPUT_MODE_CURSOR_COLUMN = 12;
export const TEXT_OUTPUT_MODE_CURSOR_ROW = 16;
export const TEXT_OUTPUT_MODE_CURSOR_VISIBLE = 20;
export const TEXT_OUTPUT_MODE_SIZE = 24;
