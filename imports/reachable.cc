// Import-based reachability: dependency closure per binary, C library identification,
// and mapping of the C library imports to system calls with evidence.
#include "imports/reachable.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "imports/loader_model.h"
#include "imports/object_code.h"
#include "imports/root_fs.h"
#include "util/syscalls.h"

namespace minpriv::imports {
namespace {

// Shared objects that are parts of glibc: their functions make system calls themselves, so
// they are mapped through the table rather than scanned as importers.
constexpr absl::string_view kGlibcParts[] = {
    "ld-linux-x86-64.so.2", "libBrokenLocale.so.1", "libanl.so.1", "libc.so.6",
    "libdl.so.2",           "libm.so.6",            "libmvec.so.1", "libpthread.so.0",
    "libresolv.so.2",       "librt.so.1",           "libutil.so.1"};

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool IsMuslName(absl::string_view name) {
  return absl::StartsWith(name, "ld-musl-") || absl::StartsWith(name, "libc.musl-");
}

bool IsGlibcName(absl::string_view name) {
  return std::find(std::begin(kGlibcParts), std::end(kGlibcParts), name) != std::end(kGlibcParts);
}

// Whether `object`, needed under `name`, is part of the C library.
bool IsLibcPart(const LoadedObject& object, const std::string& name, bool musl) {
  for (const std::string& n : {name, object.info.soname, Basename(object.canonical)}) {
    if (n.empty()) continue;
    if (IsGlibcName(n) || IsMuslName(n)) return true;
    if (musl && n == "libc.so") return true;  // musl's own soname
  }
  return false;
}

class Analyzer {
 public:
  Analyzer(const RootFs& root, ReachableSyscalls& out) : root_(root), loader_(root), out_(out) {}

  BinaryReport Analyze(const std::string& path, bool executable) {
    BinaryReport report;
    report.path = path;
    report.executable = executable;
    auto object = loader_.Load(path);
    if (!object.ok()) {
      report.status = object.status();
      return report;
    }
    const LoadedObject& top = **object;
    report.interpreter = top.info.interpreter;
    if (executable && top.info.interpreter.empty() && top.info.needed.empty()) {
      report.is_static = true;
      return report;
    }
    if (!executable && IsLibcPart(top, Basename(path), true)) {
      report.libc_path = top.canonical;  // the C library itself imports nothing we map
      return report;
    }
    bool musl = absl::StrContains(top.info.interpreter, "ld-musl");
    // Breadth-first over DT_NEEDED, as the loader orders its search scope.
    std::vector<const LoadedObject*> importers = {&top};
    std::vector<const LoadedObject*> libc_parts;
    std::set<std::string> seen = {top.canonical};
    std::deque<const LoadedObject*> queue = {&top};
    std::set<std::string> missing, errors, libraries;
    if (!top.info.interpreter.empty()) {
      auto interp = loader_.Load(top.info.interpreter);
      if (interp.ok()) {
        seen.insert((*interp)->canonical);
        libc_parts.push_back(*interp);
        if (IsMuslName(Basename((*interp)->canonical))) {
          musl = true;
          report.libc_path = (*interp)->canonical;  // musl's loader is its C library
        }
      } else if (absl::IsNotFound(interp.status())) {
        missing.insert(top.info.interpreter);
      } else {
        errors.insert(std::string(interp.status().message()));
      }
    }
    bool glibc = false;
    while (!queue.empty()) {
      const LoadedObject* current = queue.front();
      queue.pop_front();
      for (const std::string& name : current->info.needed) {
        if (name == "libc.so.6") glibc = true;
        if (IsMuslName(name)) musl = true;
        auto found = loader_.FindNeeded(name, *current, top);
        if (!found.ok()) {
          if (absl::IsNotFound(found.status())) {
            missing.insert(name);
          } else {
            errors.insert(std::string(found.status().message()));
          }
          continue;
        }
        const LoadedObject* lib = *found;
        if (!seen.insert(lib->canonical).second) continue;
        libraries.insert(lib->canonical);
        if (IsLibcPart(*lib, name, musl)) {
          libc_parts.push_back(lib);
          if (name == "libc.so.6" || IsMuslName(name) || name == "libc.so") {
            report.libc_path = lib->canonical;
          }
        } else {
          importers.push_back(lib);
          queue.push_back(lib);
        }
      }
    }
    report.libc = glibc ? LibcFlavour::kGlibc : musl ? LibcFlavour::kMusl : LibcFlavour::kUnknown;
    report.libraries.assign(libraries.begin(), libraries.end());
    report.missing_libraries.assign(missing.begin(), missing.end());
    report.library_errors.assign(errors.begin(), errors.end());

    std::set<std::string> libc_exports;
    for (const LoadedObject* part : libc_parts) {
      libc_exports.insert(part->info.exports.begin(), part->info.exports.end());
    }
    const LibcSyscallTable& table = LibcSyscallTable::Get();
    const auto reached = ReachedNames(top, importers, libc_parts);
    std::set<UnmappedImport> unmapped;
    for (const LoadedObject* importer : importers) {
      std::string via = importer == &top ? "" : importer->canonical;
      const std::set<std::string>& names = reached.at(importer);
      for (const ImportedSymbol& import : importer->info.imports) {
        if (!names.contains(import.name)) continue;  // no reachable code of it calls this
        if (!FromLibc(import, libc_exports, report.libc, table)) continue;
        auto mapping = WrapperMapping(import.name, libc_parts);
        if (!mapping) mapping = table.Lookup(import.name, report.libc);
        if (!mapping) {
          unmapped.insert({via, import.Display()});
          continue;
        }
        for (const std::string& syscall : mapping->syscalls) {
          out_.syscalls[syscall].push_back(Evidence{path, via, import.name, false});
        }
      }
    }
    if (!top.info.interpreter.empty()) {
      auto mapping = table.Lookup(kDynamicLoaderEntry, report.libc);
      for (const std::string& syscall : mapping ? mapping->syscalls : std::vector<std::string>{}) {
        out_.syscalls[syscall].push_back(Evidence{path, top.info.interpreter, "", true});
      }
    }
    report.unmapped_imports.assign(unmapped.begin(), unmapped.end());
    return report;
  }

 private:
  // The call graph of one object, analysed once (nullptr when it cannot be read).
  const ObjectCode* Code(const LoadedObject& object) {
    auto it = code_.find(object.canonical);
    if (it == code_.end()) {
      std::unique_ptr<ObjectCode> code;
      if (auto file = root_.OpenFile(object.canonical); file.ok()) {
        if (auto built = ObjectCode::Build(**file, object.canonical); built.ok()) {
          code = std::make_unique<ObjectCode>(*std::move(built));
        }
      }
      it = code_.emplace(object.canonical, std::move(code)).first;
    }
    return it->second.get();
  }

  // What `function` makes when the C library's own code shows it is a plain system call
  // wrapper (imports/wrapper_code.h); nullopt when any part exporting it is not one.
  std::optional<LibcMapping> WrapperMapping(const std::string& function,
                                            const std::vector<const LoadedObject*>& libc_parts) {
    std::optional<std::set<uint32_t>> numbers;
    for (const LoadedObject* part : libc_parts) {
      if (!std::binary_search(part->info.exports.begin(), part->info.exports.end(), function)) continue;
      const ObjectCode* code = Code(*part);
      auto calls = code == nullptr ? std::nullopt : code->WrapperSyscalls(function);
      if (!calls) return std::nullopt;
      if (!numbers) numbers.emplace();
      numbers->insert(calls->begin(), calls->end());
    }
    if (!numbers) return std::nullopt;
    LibcMapping mapping{function, {}};
    for (uint32_t nr : *numbers) {
      const char* name = util::SyscallName(nr);
      if (name == nullptr || *name == '\0') return std::nullopt;  // unknown to this build
      mapping.syscalls.push_back(name);
    }
    std::sort(mapping.syscalls.begin(), mapping.syscalls.end());
    return mapping;
  }

  // For each importer, the names its reachable code uses. `top` may be entered by any of its
  // exports (and runs from its entry point); a library only by the exports that reached code
  // of the others (or the C library, which calls interposable names like malloc) asks for.
  // An object that reaches dlsym may ask for any export whose name it holds as a string.
  // Grows to a fixpoint: every step only adds names.
  std::map<const LoadedObject*, std::set<std::string>> ReachedNames(
      const LoadedObject& top, const std::vector<const LoadedObject*>& importers,
      const std::vector<const LoadedObject*>& libc_parts) {
    std::set<std::string> all_exports;
    for (const LoadedObject* o : importers) all_exports.insert(o->info.exports.begin(), o->info.exports.end());
    std::set<std::string> wanted;
    bool everything = false;  // a part of the C library could not be read: all exports count
    for (const LoadedObject* part : libc_parts) {
      const ObjectCode* code = Code(*part);
      if (code == nullptr) {
        everything = true;
        continue;
      }
      wanted.insert(code->relocation_names().begin(), code->relocation_names().end());
    }
    // glibc looks up libgcc_s's unwinder by name itself (thread cancellation, backtrace,
    // exceptions through C frames): those exports may run whoever else calls them.
    for (const std::string& e : all_exports) {
      if (absl::StartsWith(e, "_Unwind_") || absl::StartsWith(e, "__gcc_personality")) {
        wanted.insert(e);
      }
    }
    std::map<const LoadedObject*, std::set<std::string>> reached;
    std::map<const LoadedObject*, std::set<std::string>> strings;  // what dlsym may ask for
    for (bool changed = true; changed;) {
      changed = false;
      for (const LoadedObject* o : importers) {
        const ObjectCode* code = Code(*o);
        std::set<std::string> names;
        if (code == nullptr) {
          for (const ImportedSymbol& i : o->info.imports) names.insert(i.name);
        } else if (o == &top || everything) {
          names = code->ReachedNames({o->info.exports.begin(), o->info.exports.end()});
        } else {
          std::set<std::string> entries;
          for (const std::string& e : o->info.exports) {
            if (wanted.contains(e)) entries.insert(e);
          }
          names = code->ReachedNames(entries);
        }
        if (code != nullptr && (names.contains("dlsym") || names.contains("dlvsym"))) {
          auto asked = strings.find(o);
          if (asked == strings.end()) asked = strings.emplace(o, code->StringsAmong(all_exports)).first;
          names.insert(asked->second.begin(), asked->second.end());
        }
        std::set<std::string>& before = reached[o];
        if (names.size() != before.size()) {
          wanted.insert(names.begin(), names.end());
          before = std::move(names);
          changed = true;
        }
      }
    }
    return reached;
  }

  // Whether `import` is resolved by the C library. With the C library's exports at hand that
  // is exact; without them (not found), a glibc version or a known function name decides.
  static bool FromLibc(const ImportedSymbol& import, const std::set<std::string>& libc_exports,
                       LibcFlavour flavour, const LibcSyscallTable& table) {
    if (!libc_exports.empty()) return libc_exports.contains(import.name);
    if (absl::StartsWith(import.version, "GLIBC_")) return true;
    if (!import.version.empty()) return false;
    return table.Lookup(import.name, flavour).has_value();
  }

  const RootFs& root_;
  LoaderModel loader_;
  std::map<std::string, std::unique_ptr<ObjectCode>> code_;  // by canonical path
  ReachableSyscalls& out_;
};

}  // namespace

std::string Evidence::ToString() const {
  if (loader) return absl::StrCat("needed by the dynamic loader ", via, " to start ", binary);
  if (via.empty()) return absl::StrCat("imported by ", binary, " as ", symbol);
  return absl::StrCat("imported by ", binary, " via ", via, " as ", symbol);
}

std::vector<std::string> ReachableSyscalls::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, evidence] : syscalls) names.push_back(name);
  return names;
}

size_t ReachableSyscalls::UnmappedImportCount() const {
  std::set<std::string> symbols;
  for (const BinaryReport& b : binaries) {
    for (const UnmappedImport& u : b.unmapped_imports) symbols.insert(u.symbol);
  }
  return symbols.size();
}

absl::StatusOr<ReachableSyscalls> FindReachableSyscalls(const ReachInput& input) {
  auto root = RootFs::Open(input.root);
  if (!root.ok()) return root.status();
  ReachableSyscalls out;
  Analyzer analyzer(*root, out);
  std::set<std::string> executables(input.executables.begin(), input.executables.end());
  std::set<std::string> libraries(input.libraries.begin(), input.libraries.end());
  for (const std::string& path : executables) out.binaries.push_back(analyzer.Analyze(path, true));
  for (const std::string& path : libraries) out.binaries.push_back(analyzer.Analyze(path, false));
  for (auto& [name, evidence] : out.syscalls) {
    std::sort(evidence.begin(), evidence.end());
    evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
  }
  return out;
}

}  // namespace minpriv::imports
