// kubectl 1.34 sends typed creates (`kubectl create namespace`, `create configmap`) as
// Kubernetes protobuf ("k8s\0" + runtime.Unknown) and does not fall back to JSON on 415.
// This decodes the few kinds it is needed for into JSON: Namespace and ConfigMap (ObjectMeta's
// name, generateName, namespace, labels, annotations; a ConfigMap's data). Other kinds: nullopt.
#ifndef MINPRIV_TESTS_APISERVER_PROTOBUF_DECODE_H_
#define MINPRIV_TESTS_APISERVER_PROTOBUF_DECODE_H_

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace minpriv::apiserver {

std::optional<nlohmann::json> DecodeKubernetesProtobuf(const std::string& body);

}  // namespace minpriv::apiserver

#endif  // MINPRIV_TESTS_APISERVER_PROTOBUF_DECODE_H_
