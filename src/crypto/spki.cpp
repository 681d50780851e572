// SubjectPublicKeyInfo parsing for secp256k1 and P-256 (see spki.h).
#include "crypto/spki.h"

#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <memory>
#include <string>

#include "common/error.h"

namespace signatory::crypto {
namespace {

Error invalid(const std::string& why) {
  return bad_request("invalid SubjectPublicKeyInfo: " + why);
}

// One DER TLV read from a view.
struct Tlv {
  std::uint8_t tag = 0;
  ByteView content;
};

class DerReader {
 public:
  explicit DerReader(ByteView in) : in_(in) {}
  bool done() const { return pos_ == in_.size(); }

  Tlv next(const char* what) {
    if (in_.size() - pos_ < 2) throw invalid(std::string("truncated ") + what);
    Tlv tlv;
    tlv.tag = in_[pos_++];
    std::size_t len = in_[pos_++];
    if (len & 0x80) {
      std::size_t n = len & 0x7f;
      if (n == 0 || n > 2) throw invalid(std::string("unsupported length form in ") + what);
      if (in_.size() - pos_ < n) throw invalid(std::string("truncated ") + what);
      len = 0;
      for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in_[pos_++];
      if (len < 0x80 || (n == 2 && len < 0x100)) {
        throw invalid(std::string("non-minimal length in ") + what);
      }
    }
    if (in_.size() - pos_ < len) throw invalid(std::string("truncated ") + what);
    tlv.content = in_.subspan(pos_, len);
    pos_ += len;
    return tlv;
  }

  Tlv expect(std::uint8_t tag, const char* what) {
    Tlv t = next(what);
    if (t.tag != tag) throw invalid(std::string("expected ") + what);
    return t;
  }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

// Dotted form of an OID's DER content ("1.2.840.10045.2.1").
std::string oid_text(ByteView oid) {
  if (oid.empty()) return "(empty OID)";
  std::string out;
  unsigned long long value = 0;
  bool first = true;
  for (std::size_t i = 0; i < oid.size(); ++i) {
    if (value > (1ULL << 56)) return "(malformed OID)";
    value = (value << 7) | (oid[i] & 0x7f);
    if (oid[i] & 0x80) {
      if (i + 1 == oid.size()) return "(malformed OID)";
      continue;
    }
    if (first) {
      unsigned long long a = value < 40 ? 0 : value < 80 ? 1 : 2;
      out = std::to_string(a) + "." + std::to_string(value - 40 * a);
      first = false;
    } else {
      out += "." + std::to_string(value);
    }
    value = 0;
  }
  return out;
}

bool oid_is(ByteView oid, std::initializer_list<std::uint8_t> expected) {
  return oid.size() == expected.size() && std::equal(oid.begin(), oid.end(), expected.begin());
}

const char* algorithm_name(ByteView oid) {
  if (oid_is(oid, {0x2b, 0x65, 0x70})) return "Ed25519";
  if (oid_is(oid, {0x2b, 0x65, 0x71})) return "Ed448";
  if (oid_is(oid, {0x2b, 0x65, 0x6e})) return "X25519";
  if (oid_is(oid, {0x2b, 0x65, 0x6f})) return "X448";
  if (oid_is(oid, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01})) return "RSA";
  if (oid_is(oid, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a})) return "RSASSA-PSS";
  if (oid_is(oid, {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01})) return "DSA";
  if (oid_is(oid, {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d})) return "SM2";
  return "unknown";
}

const char* curve_name(ByteView oid) {
  if (oid_is(oid, {0x2b, 0x81, 0x04, 0x00, 0x21})) return "P-224";
  if (oid_is(oid, {0x2b, 0x81, 0x04, 0x00, 0x22})) return "P-384";
  if (oid_is(oid, {0x2b, 0x81, 0x04, 0x00, 0x23})) return "P-521";
  if (oid_is(oid, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01})) return "P-192";
  if (oid_is(oid, {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d})) return "SM2";
  return "unknown";
}

struct GroupDeleter {
  void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
};
struct PointDeleter {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};

}  // namespace

EcPublicKey parse_ec_spki(ByteView der) {
  DerReader outer(der);
  Tlv spki = outer.expect(0x30, "SEQUENCE (SubjectPublicKeyInfo)");
  if (!outer.done()) throw invalid("trailing bytes after the structure");

  DerReader fields(spki.content);
  Tlv alg = fields.expect(0x30, "SEQUENCE (AlgorithmIdentifier)");
  Tlv bits = fields.expect(0x03, "BIT STRING (subjectPublicKey)");
  if (!fields.done()) throw invalid("unexpected field after subjectPublicKey");

  DerReader alg_fields(alg.content);
  Tlv alg_oid = alg_fields.expect(0x06, "OBJECT IDENTIFIER (algorithm)");
  if (!oid_is(alg_oid.content, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01})) {
    throw bad_request(std::string("unsupported public key algorithm ") +
                      algorithm_name(alg_oid.content) + " (" + oid_text(alg_oid.content) +
                      "); only EC keys on secp256k1 and P-256 can be used");
  }
  if (alg_fields.done()) throw invalid("EC key without curve parameters");
  Tlv params = alg_fields.next("EC parameters");
  if (!alg_fields.done()) throw invalid("unexpected field after the EC parameters");
  if (params.tag != 0x06) {
    throw bad_request(
        "unsupported EC parameters: explicit or implicit curves are not accepted, only the named "
        "curves secp256k1 and P-256");
  }

  EcPublicKey key;
  int nid = 0;
  if (oid_is(params.content, {0x2b, 0x81, 0x04, 0x00, 0x0a})) {
    key.curve = Curve::Secp256k1;
    nid = NID_secp256k1;
  } else if (oid_is(params.content, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})) {
    key.curve = Curve::P256;
    nid = NID_X9_62_prime256v1;
  } else {
    throw bad_request(std::string("unsupported EC curve ") + curve_name(params.content) + " (" +
                      oid_text(params.content) + "); only secp256k1 and P-256 can be used");
  }

  if (bits.content.empty() || bits.content[0] != 0) {
    throw invalid("subjectPublicKey BIT STRING has unused bits");
  }
  ByteView point = bits.content.subspan(1);
  bool uncompressed = point.size() == 65 && point[0] == 0x04;
  bool compressed = point.size() == 33 && (point[0] == 0x02 || point[0] == 0x03);
  if (!uncompressed && !compressed) {
    throw invalid("EC point must be 65 bytes (04‖X‖Y) or 33 bytes (02|03‖X), got " +
                  std::to_string(point.size()) + " bytes");
  }

  std::unique_ptr<EC_GROUP, GroupDeleter> group(EC_GROUP_new_by_curve_name(nid));
  if (!group) throw internal_error("OpenSSL does not know the curve");
  std::unique_ptr<EC_POINT, PointDeleter> p(EC_POINT_new(group.get()));
  if (!p) throw internal_error("out of memory");
  if (EC_POINT_oct2point(group.get(), p.get(), point.data(), point.size(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(group.get(), p.get()) ||
      EC_POINT_is_on_curve(group.get(), p.get(), nullptr) != 1) {
    throw invalid("the EC point is not on the curve");
  }
  if (EC_POINT_point2oct(group.get(), p.get(), POINT_CONVERSION_COMPRESSED, key.compressed.data(),
                         key.compressed.size(), nullptr) != 33) {
    throw internal_error("EC point compression failed");
  }
  return key;
}

}  // namespace signatory::crypto
