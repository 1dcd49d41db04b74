// The observer's lifecycle: Create (root, BTF, symbols) → Load (the skeleton, its tracing
// programs and the ring-buffer reader) → Detach (stop the programs, deliver what is left)
// → Unload.
#include "observer/observer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "observer/bpf_observer.h"
#include "observer/program_loader.h"
#include "spdlog/spdlog.h"

namespace minpriv::observer {

absl::Status BpfObserver::Load(const Options& options, NodeSizing node) {
  verify_mode_ = options.verify_mode;
  auto loaded = LoadPrograms(options, node);
  if (!loaded.ok()) return loaded.status();
  skel_ = std::move(loaded->skel);
  links_ = std::move(loaded->links);
  disabled_ = std::move(loaded->disabled);
  warnings_ = std::move(loaded->warnings);

  ring_.reset(ring_buffer__new(bpf_map__fd(skel_->maps.events), &BpfObserver::OnRecord, this,
                               nullptr));
  if (!ring_) {
    return absl::InternalError(absl::StrCat("creating the ring buffer reader failed: ",
                                            strerror(errno)));
  }
  std::sort(warnings_.begin(), warnings_.end());
  for (const std::string& w : warnings_) spdlog::warn("{}", w);
  return absl::OkStatus();
}

bpf_program* BpfObserver::Program(std::string_view name) const {
  return FindProgram(*skel_, name);
}

void BpfObserver::Detach() {
  if (!skel_) return;
  StopPrograms();
  FinishDetach();
}

void BpfObserver::StopPrograms() {
  if (!skel_) return;
  links_.clear();  // no program runs any more: the ring and the counts are final
  if (ring_) ring_buffer__consume(ring_.get());
  FlushPendingMkdirs();
  callback_status_ = absl::OkStatus();
}

void BpfObserver::FinishDetach() {
  if (!skel_) return;
  ReportCounts();
  Unload();
}

void BpfObserver::Unload() {
  if (skel_) GetStats();  // remember the drop count
  links_.clear();
  cgroup_fds_.clear();
  ring_.reset();
  skel_.reset();
}

absl::StatusOr<std::unique_ptr<BpfObserver>> BpfObserver::CreateUnloaded() {
  if (geteuid() != 0) {
    return absl::PermissionDeniedError(
        "minpriv must run as root to load its BPF programs (try: sudo minpriv ...)");
  }
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    return absl::FailedPreconditionError(
        "this kernel exposes no BTF (/sys/kernel/btf/vmlinux is missing): minpriv's CO-RE "
        "programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y");
  }
  auto symbolizer = KallsymsSymbolizer::Load();
  if (!symbolizer.ok()) return symbolizer.status();
  return std::make_unique<BpfObserver>(std::move(*symbolizer));
}

absl::StatusOr<std::unique_ptr<Observer>> Observer::Create(const Options& options) {
  auto observer = BpfObserver::CreateUnloaded();
  if (!observer.ok()) return observer.status();
  if (absl::Status s = (*observer)->Load(options); !s.ok()) return s;
  return std::unique_ptr<Observer>(std::move(*observer));
}

}  // namespace minpriv::observer
