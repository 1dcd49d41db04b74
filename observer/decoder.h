// Decoding of the raw ring-buffer records of bpf/abi/events.h into typed observations.
// Pure functions and a decoder that needs no kernel: unit tests feed it synthetic records.
#ifndef MINPRIV_OBSERVER_DECODER_H_
#define MINPRIV_OBSERVER_DECODER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bpf/abi/events.h"
#include "observer/cap_classifier.h"
#include "observer/observation.h"

namespace minpriv::observer {

// "c\0b\0a\0" (dentry names, leaf first, NUL separated) → "/a/b/c"; "" → "/".
std::string JoinDirComponents(std::string_view leaf_first);

// Lexical normalisation of an absolute path: collapses "//", "." and ".." (".." at the root
// stays at the root). A relative input is treated as relative to "/".
std::string NormalizePath(std::string_view path);

// The absolute, normalised path an mp_path names: the user string when absolute, else the
// base directory joined with it; for MP_PATH_FROM_FD the base itself. nullopt when the base
// directory could not be resolved.
std::optional<std::string> ResolvePath(const mp_path& p);

// DNS wire-format query name → "www.example.com" (lower case, no trailing dot). nullopt for
// malformed names (bad label lengths, compression pointers, missing terminator) and the root.
std::optional<std::string> DecodeDnsName(const uint8_t* data, size_t len);

// inet_ntop form; IPv4-mapped IPv6 addresses are printed as IPv4.
std::string FormatAddress(uint16_t family, const uint8_t addr[16]);

// MP_OP_* mask → file operations, in enum order.
std::vector<FileOp> FileOpsFromMask(uint32_t mask);

struct DecodeCounters {
  uint64_t events = 0;
  uint64_t probe_capability_checks = 0;  // probe checks, repeats included once reported
  uint64_t malformed = 0;
  uint64_t counted_hits = 0;  // occurrences reported by ReportHits() beyond the records
};

class EventDecoder {
 public:
  // `symbolizer` must outlive the decoder. boot_to_unix_ns: CLOCK_REALTIME - CLOCK_BOOTTIME.
  EventDecoder(const Symbolizer* symbolizer, int64_t boot_to_unix_ns)
      : symbolizer_(symbolizer), boot_to_unix_ns_(boot_to_unix_ns) {}

  // The workload (watched cgroup id) a record belongs to.
  static absl::StatusOr<uint64_t> WorkloadId(const void* data, size_t size);

  // Decodes one record and hands it to `sink`. InvalidArgument for a malformed record.
  // A counted record (capability, file, exec, flow: its `key.kind` is set) also remembers
  // the observations it became under its dedup key, for ReportHits(); the record itself
  // stands for one occurrence. A new record for a known key (the kernel forgot the key:
  // LRU eviction, or a drop) starts that key's tally again.
  absl::Status Dispatch(const void* data, size_t size, ObservationSink* sink);

  // The kernel counted `hits` occurrences (the first included) of the fact with dedup key
  // `key` (a `seen` map entry). Sends the occurrences not reported yet to the sink the
  // fact's record went to: the same observations again, each with count = its original
  // count × the new occurrences. Idempotent: calling it again with the same `hits` sends
  // nothing. Keys whose record was not decoded (yet) are ignored: the record, when it
  // arrives, accounts for the first occurrence and a later call for the rest.
  void ReportHits(const mp_seen_key& key, uint64_t hits);

  // Forgets every counted fact of workloads slot `slot` (node mode: the slot was freed and
  // will serve another cgroup, its `seen` keys deleted).
  void ForgetSlot(uint32_t slot);

  const DecodeCounters& counters() const { return counters_; }

  // A record's boot-clock time as wall-clock time.
  absl::Time ToTime(uint64_t boot_ns) const;

 private:
  using Observation = std::variant<CapabilityObservation,
                                   FileWriteObservation, ExecObservation,
                                   FlowObservation>;
  struct CountedFact {
    ObservationSink* sink = nullptr;
    absl::Time time;                        // of the record (the first occurrence)
    std::vector<Observation> observations;  // what the record was decoded into
    bool probe = false;                     // a capability probe: counted in the counters
    uint64_t reported = 1;                  // occurrences already sent (the record: 1)
  };
  using KeyTuple = std::array<uint64_t, 4>;  // slot|kind, a, b, c
  static KeyTuple Key(const mp_seen_key& k);
  // The fact of a counted record (nullptr for an uncounted one), reset for a new tally.
  CountedFact* StartFact(const mp_seen_key& k, ObservationSink* sink,
                         absl::Time t);

  const Symbolizer* symbolizer_;
  int64_t boot_to_unix_ns_;
  DecodeCounters counters_;
  std::map<KeyTuple, CountedFact> facts_;
};

}  // namespace minpriv::observer

#endif  // MINPRIV_OBSERVER_DECODER_H_
