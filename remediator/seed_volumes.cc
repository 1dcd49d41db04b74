#include "remediator/seed_volumes.h"

#include "absl/strings/str_cat.h"
#include "remediator/dns_label.h"
#include "remediator/markdown.h"
#include "remediator/workload.h"
#include "remediator/yaml_io.h"

namespace minpriv::remediator {

void AddSeedInitContainer(const std::string& dir, const std::string& volume,
                          const std::string& image, WorkloadContext& ctx, ContainerProposal& out) {
  YAML::Node init = NewMap();
  const std::string name = DnsLabel(absl::StrCat("seed-", volume));
  init["name"] = Str(name);
  init["image"] = Str(image);
  YAML::Node command = FlowSeq();
  for (const std::string& arg : {std::string("cp"), std::string("-a"), absl::StrCat(dir, "/."),
                                 absl::StrCat(kSeedMountPath, "/")}) {
    command.push_back(Str(arg));
  }
  init["command"] = command;
  YAML::Node sc = NewMap();
  sc["allowPrivilegeEscalation"] = Bool(false);
  sc["readOnlyRootFilesystem"] = Bool(true);
  YAML::Node caps = NewMap();
  YAML::Node drop = FlowSeq();
  drop.push_back(Str("ALL"));
  caps["drop"] = drop;
  // cp -a run as root keeps each file's owner, mode and times: CHOWN and FOWNER.
  YAML::Node add = FlowSeq();
  add.push_back(Str("CHOWN"));
  add.push_back(Str("FOWNER"));
  caps["add"] = add;
  sc["capabilities"] = caps;
  init["securityContext"] = sc;
  YAML::Node mount = NewMap();
  mount["name"] = Str(volume);
  mount["mountPath"] = Str(kSeedMountPath);
  YAML::Node mounts = NewSeq();
  mounts.push_back(mount);
  init["volumeMounts"] = mounts;
  EnsureSeq(ctx.pod_spec, "initContainers").push_back(init);
  out.seeded_mounts.push_back(dir);
  out.changes.push_back(absl::StrCat("init container ", Code(name), " seeds emptyDir ",
                                     Code(volume), " with the image's ", Code(dir),
                                     " (`cp -a ", dir, "/. ", kSeedMountPath, "/`) before ",
                                     Code(out.name), " starts"));
  out.risks.push_back(absl::StrCat(
      "init container ", Code(name), " runs `cp` from the image ", Code(image),
      ": an image without `cp` (distroless, scratch) fails to start; then copy ", Code(dir),
      " with a tool the image has, or keep the root writable"));
}

}  // namespace minpriv::remediator
