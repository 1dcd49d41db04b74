#include "imports/elf_file.h"

#include <elf.h>

#include <cstring>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/files.h"

namespace minpriv::imports {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::string Bytes(const std::string& path) {
  auto bytes = util::ReadFile(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

absl::StatusOr<ElfInfo> Parse(std::string bytes) {
  MemoryByteSource source(std::move(bytes));
  return ParseElf(source, "test");
}

template <typename T>
void Poke(std::string& bytes, uint64_t offset, T value) {
  ASSERT_LE(offset + sizeof(T), bytes.size());
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

Elf64_Ehdr Header(const std::string& bytes) {
  Elf64_Ehdr h;
  std::memcpy(&h, bytes.data(), sizeof(h));
  return h;
}

TEST(ElfFileTest, ReadsImportsWithVersionsNeededAndInterpreter) {
  auto info = Parse(Bytes("/usr/sbin/nginx"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->interpreter, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_THAT(info->needed, Contains("libc.so.6"));
  EXPECT_THAT(info->needed, Contains("libssl.so.3"));
  ImportedSymbol sendfile{.name = "sendfile64", .version = "GLIBC_2.3",
                          .version_file = "libc.so.6", .weak = false};
  EXPECT_THAT(info->imports, Contains(sendfile));
  EXPECT_EQ(sendfile.Display(), "sendfile64@GLIBC_2.3");
  EXPECT_TRUE(std::is_sorted(info->imports.begin(), info->imports.end()));
}

TEST(ElfFileTest, ReadsExportsAndSonameOfTheCLibrary) {
  auto info = Parse(Bytes("/lib/x86_64-linux-gnu/libc.so.6"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->soname, "libc.so.6");
  EXPECT_THAT(info->exports, Contains("sendfile64"));
  EXPECT_THAT(info->exports, Contains("getrusage"));
  EXPECT_THAT(info->exports, ::testing::Not(Contains("stdout")));  // data, not a function
}

TEST(ElfFileTest, NotElfFilesAreErrors) {
  auto text = Parse("hello world\n");
  EXPECT_TRUE(absl::IsInvalidArgument(text.status()));
  EXPECT_THAT(text.status().message(), HasSubstr("not an ELF file"));
  auto script = Parse("#!/bin/sh\necho hi\n");
  EXPECT_THAT(script.status().message(), HasSubstr("script"));
  EXPECT_FALSE(Parse("").ok());
  EXPECT_FALSE(Parse("\x7f" "EL").ok());
}

TEST(ElfFileTest, OtherClassOrMachineIsFailedPrecondition) {
  std::string bytes = Bytes("/usr/bin/true");
  std::string elf32 = bytes;
  elf32[EI_CLASS] = ELFCLASS32;
  EXPECT_TRUE(absl::IsFailedPrecondition(Parse(elf32).status()));
  std::string arm = bytes;
  Poke<uint16_t>(arm, offsetof(Elf64_Ehdr, e_machine), EM_AARCH64);
  EXPECT_TRUE(absl::IsFailedPrecondition(Parse(arm).status()));
}

TEST(ElfFileTest, EveryTruncationIsAnErrorNeverACrash) {
  std::string bytes = Bytes("/usr/bin/true");
  ASSERT_TRUE(Parse(bytes).ok());
  // Section headers sit at the end of the file: any truncation cuts them.
  for (size_t size = 0; size < bytes.size(); size += (size < 256 ? 1 : 97)) {
    EXPECT_FALSE(Parse(bytes.substr(0, size)).ok()) << size;
  }
}

TEST(ElfFileTest, CorruptedHeadersAndTablesAreErrors) {
  std::string bytes = Bytes("/usr/bin/true");
  Elf64_Ehdr h = Header(bytes);
  auto with = [&](uint64_t offset, auto value) {
    std::string copy = bytes;
    Poke(copy, offset, value);
    return Parse(copy);
  };
  EXPECT_FALSE(with(offsetof(Elf64_Ehdr, e_shoff), uint64_t{~0ull - 8}).ok());
  EXPECT_FALSE(with(offsetof(Elf64_Ehdr, e_shnum), uint16_t{0xffff}).ok());
  EXPECT_FALSE(with(offsetof(Elf64_Ehdr, e_shentsize), uint16_t{12}).ok());
  EXPECT_FALSE(with(offsetof(Elf64_Ehdr, e_phoff), uint64_t{1ull << 62}).ok());
  EXPECT_FALSE(with(offsetof(Elf64_Ehdr, e_phentsize), uint16_t{3}).ok());
  // Every section's offset, size and link pushed out of range.
  for (uint16_t i = 1; i < h.e_shnum; ++i) {
    uint64_t sh = h.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr);
    Elf64_Shdr s;
    std::memcpy(&s, bytes.data() + sh, sizeof(s));
    if (s.sh_type != SHT_DYNSYM && s.sh_type != SHT_DYNAMIC && s.sh_type != SHT_GNU_verneed &&
        s.sh_type != SHT_GNU_versym) {
      continue;
    }
    EXPECT_FALSE(with(sh + offsetof(Elf64_Shdr, sh_offset), uint64_t{~0ull - 100}).ok()) << i;
    EXPECT_FALSE(with(sh + offsetof(Elf64_Shdr, sh_size), uint64_t{~0ull}).ok()) << i;
    if (s.sh_type == SHT_GNU_versym) continue;  // its link (to .dynsym) is not followed
    EXPECT_FALSE(with(sh + offsetof(Elf64_Shdr, sh_link), uint32_t{h.e_shnum + 5u}).ok()) << i;
  }
}

TEST(ElfFileTest, RandomCorruptionNeverCrashes) {
  std::string bytes = Bytes("/usr/bin/true");
  Elf64_Ehdr h = Header(bytes);
  std::mt19937_64 rng(12);
  // Bytes of the header, the program and section header tables, and the dynamic tables.
  std::vector<std::pair<uint64_t, uint64_t>> regions = {
      {0, sizeof(Elf64_Ehdr)},
      {h.e_phoff, uint64_t{h.e_phnum} * sizeof(Elf64_Phdr)},
      {h.e_shoff, uint64_t{h.e_shnum} * sizeof(Elf64_Shdr)}};
  for (uint16_t i = 1; i < h.e_shnum; ++i) {
    Elf64_Shdr s;
    std::memcpy(&s, bytes.data() + h.e_shoff + uint64_t{i} * sizeof(s), sizeof(s));
    if (s.sh_type == SHT_DYNSYM || s.sh_type == SHT_DYNAMIC || s.sh_type == SHT_GNU_verneed ||
        s.sh_type == SHT_STRTAB || s.sh_type == SHT_GNU_versym) {
      regions.push_back({s.sh_offset, s.sh_size});
    }
  }
  int failures = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string copy = bytes;
    for (int flips = 0; flips < 4; ++flips) {
      const auto& [start, length] = regions[rng() % regions.size()];
      copy[start + rng() % length] = static_cast<char>(rng());
    }
    auto info = Parse(copy);  // must return, ok or not
    if (!info.ok()) ++failures;
  }
  EXPECT_GT(failures, 0);
}

}  // namespace
}  // namespace minpriv::imports
