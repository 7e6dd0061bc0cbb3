/*
 * tool-decompress-linux.c: main() of the native decompression tool behind `efistub decompress`
 * and `efistub extract` (stub-src/tools/decompress-main.ts, compiled by the same pipeline as the
 * stub, linked with host-linux.c built without its own main).
 *
 *   efistub-decompress INPUT OUTPUT [--kbuild-trailer] [--capacity N]
 *
 * Reads INPUT, decodes it with the stub's decoders (format by magic), writes OUTPUT (the caller
 * renames it into place: a failed run never leaves a truncated file where the user asked), and
 * prints one result line on stdout:
 *   ok format=<name> input=<bytes> output=<bytes> seconds=<decode time>
 *   error format=<name> status=0x<status> reason=<code> offset=0x<input offset> text=<reason>
 * With --kbuild-trailer INPUT is a kernel payload as kbuild writes it, ending with the
 * uncompressed size (gzip's own trailer for gzip): the stub's decompressKbuildPayload decodes it
 * into exactly that size and refuses a payload whose size lies. Without it the capacity starts
 * at --capacity or 4 × the input + 1 MiB and doubles on EFI_BUFFER_TOO_SMALL.
 * Exit status: 0 decoded, 1 the decoder refused the input, 2 usage or I/O error, 3 trap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "runtime.h"
#include "stub.h"

#define EFI_BUFFER_TOO_SMALL_FOLDED 0x80000005u
/* Sizes cross into the Wasm as int32: keep them below 2^31. */
#define MAX_CAPACITY 0x7fff0000ull

static Z_stub_instance_t tool_instance;

/* porffor's calling convention (runtime.h): every export has two hidden (value, type) pairs
 * first, new.target and this; number arguments have type 1. Values are i32 (the stub is
 * compiled with porffor's i32 valtype), so a number crosses as its u32 bit pattern; results are
 * read with RT_EXPORT_VALUE (a lone value or a (value, type) pair, by compilation mode). */
#define NO_HIDDEN RT_NO_HIDDEN
#define NUMBER(x) RT_NUMBER(x)
#define VALUE(result) RT_EXPORT_VALUE(result)

static uint8_t *memory_at(uint64_t address, uint64_t length) {
  wasm_rt_memory_t *memory = Z_stubZ_Z24(&tool_instance);
  if (address + length > memory->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return memory->data + address;
}

static uint32_t word_at(uint64_t address) {
  uint32_t value;
  memcpy(&value, memory_at(address, 4), 4);
  return value;
}

/* A typed array returned by an export: its header holds the element count and the address of
 * its buffer, whose bytes follow a 4-byte length word. */
static uint8_t *typed_array_data(uint32_t header, uint32_t *count) {
  *count = word_at(header);
  return memory_at(word_at(header + 4) + 4ull, *count);
}

/* A string returned by an export: porffor's byte string, a length word then the bytes. */
static void print_string(uint32_t address) {
  uint32_t length = word_at(address);
  fwrite(memory_at(address + 4ull, length), 1, length, stdout);
}

static uint8_t *read_file(const char *path, uint64_t *length) {
  FILE *file = fopen(path, "rb");
  if (!file) return NULL;
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fseek(file, 0, SEEK_SET);
  uint8_t *bytes = malloc(size > 0 ? (size_t)size : 1);
  if (bytes && size > 0 && fread(bytes, 1, (size_t)size, file) != (size_t)size) {
    free(bytes);
    bytes = NULL;
  }
  fclose(file);
  *length = size > 0 ? (uint64_t)size : 0;
  return bytes;
}

int main(int argc, char **argv) {
  const char *input_path = NULL, *output_path = NULL;
  int kbuild_trailer = 0;
  uint64_t capacity = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--kbuild-trailer") == 0) kbuild_trailer = 1;
    else if (strcmp(argv[i], "--capacity") == 0 && i + 1 < argc) capacity = strtoull(argv[++i], NULL, 0);
    else if (!input_path) input_path = argv[i];
    else if (!output_path) output_path = argv[i];
    else { fprintf(stderr, "efistub-decompress: unexpected argument %s\n", argv[i]); return 2; }
  }
  if (!input_path || !output_path) {
    fprintf(stderr, "usage: efistub-decompress INPUT OUTPUT [--kbuild-trailer] [--capacity N]\n");
    return 2;
  }
  uint64_t file_length;
  uint8_t *file = read_file(input_path, &file_length);
  if (!file) { fprintf(stderr, "efistub-decompress: cannot read %s\n", input_path); return 2; }
  uint64_t input_length = file_length;
  if (!capacity) capacity = input_length * 4 + (1u << 20);
  if (input_length > MAX_CAPACITY) { fprintf(stderr, "efistub-decompress: input too large\n"); return 2; }

  if (rt_enter() != 0) {
    printf("trap reason=%s\n", rt_trap_reason());
    return 3;
  }
  wasm_rt_init();
  Z_stub_init_module();
  Z_stub_instantiate(&tool_instance, NULL);
  Z_stubZ_m(&tool_instance);

  /* The tool's size limit is the TypeScript's (toolMaxBytes): it knows the heap it runs in. */
  const uint64_t max_bytes = (uint32_t)VALUE(Z_stubZ_toolMaxBytes(&tool_instance, NO_HIDDEN));
  uint32_t count;
  uint8_t *input = typed_array_data(VALUE(Z_stubZ_toolInputBuffer(&tool_instance, NO_HIDDEN, NUMBER(input_length))), &count);
  if (count != input_length) { /* over the tool's limit (toolMaxBytes): refused before any copy */
    fprintf(stderr, "efistub-decompress: %s is larger than the tool handles\n", input_path);
    return 2;
  }
  memcpy(input, file, (size_t)input_length);
  free(file);

  /* The kbuild size rules (which formats append the size, how it is checked) are the stub's:
   * decompressKbuildPayload in stub-src/decompress/decompress.ts, the function the boot path uses. */
  uint32_t status;
  double seconds;
  for (;;) {
    if (capacity > max_bytes) capacity = max_bytes;
    /* The output buffer is allocated (the heap grown and zeroed) before the clock starts: the
     * time reported is the decode's, into memory already there, as the kernel's decoders are
     * timed (bench/kernel-shim/driver.c) and as the stub decodes into allocated pages at boot. */
    status = kbuild_trailer
                 ? VALUE(Z_stubZ_toolPrepareKbuildOutput(&tool_instance, NO_HIDDEN, NUMBER(input_length)))
                 : VALUE(Z_stubZ_toolPrepareOutput(&tool_instance, NO_HIDDEN, NUMBER(input_length), NUMBER(capacity)));
    seconds = 0;
    if (status == 0) {
      struct timespec start, end;
      clock_gettime(CLOCK_MONOTONIC, &start);
      status = kbuild_trailer
                   ? VALUE(Z_stubZ_toolDecompressKbuild(&tool_instance, NO_HIDDEN, NUMBER(input_length)))
                   : VALUE(Z_stubZ_toolDecompress(&tool_instance, NO_HIDDEN, NUMBER(input_length), NUMBER(capacity)));
      clock_gettime(CLOCK_MONOTONIC, &end);
      seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    }
    if (status != EFI_BUFFER_TOO_SMALL_FOLDED || kbuild_trailer || capacity >= max_bytes) break;
    capacity *= 2;
  }

  if (status != 0) {
    printf("error format=");
    print_string(VALUE(Z_stubZ_toolFormatName(&tool_instance, NO_HIDDEN)));
    printf(" status=0x%x reason=%u offset=0x%x text=", status,
           VALUE(Z_stubZ_toolReason(&tool_instance, NO_HIDDEN)),
           VALUE(Z_stubZ_toolInputOffset(&tool_instance, NO_HIDDEN)));
    print_string(VALUE(Z_stubZ_toolReasonText(&tool_instance, NO_HIDDEN)));
    printf("\n");
    return 1;
  }
  uint32_t output_length = VALUE(Z_stubZ_toolOutputLength(&tool_instance, NO_HIDDEN));
  uint8_t *output = typed_array_data(VALUE(Z_stubZ_toolOutputBuffer(&tool_instance, NO_HIDDEN)), &count);
  FILE *out = fopen(output_path, "wb");
  if (!out || fwrite(output, 1, output_length, out) != output_length || fclose(out) != 0) {
    fprintf(stderr, "efistub-decompress: cannot write %s\n", output_path);
    return 2;
  }
  printf("ok format=");
  print_string(VALUE(Z_stubZ_toolFormatName(&tool_instance, NO_HIDDEN)));
  printf(" input=%llu output=%u seconds=%.6f\n", (unsigned long long)input_length, output_length, seconds);
  return 0;
}
