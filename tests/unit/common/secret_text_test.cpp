// common/secret_text.h: which words count as secret keys and how a message is redacted. The
// real keys of the vectors are used by tests/unit/config (every config error that quotes a
// value); here, the shapes.
#include "common/secret_text.h"

#include <gtest/gtest.h>

namespace signatory {
namespace {

const std::string kBody = "3HU2RhnKoNXNzBa6i167BzuSAqVdYD1ZTuYBFbNbCiixoVByzH";

TEST(SecretText, EveryTezosSecretKeyPrefixAndTheOctezForms) {
  for (const char* prefix : {"edsk", "spsk", "p2sk", "BLsk", "edesk", "spesk", "p2esk", "BLesk"}) {
    EXPECT_TRUE(looks_like_secret_key(prefix + kBody)) << prefix;
    EXPECT_EQ(redact_secret_keys(std::string("x `") + prefix + kBody + "': bad"),
              "x `<secret key, not shown>': bad");
  }
  EXPECT_TRUE(looks_like_secret_key("unencrypted:edsk" + kBody));
  EXPECT_TRUE(looks_like_secret_key("encrypted:anything"));
  EXPECT_EQ(redact_secret_keys("`unencrypted:xyz" + kBody + "'"),
            "`unencrypted:<secret key, not shown>'");
  EXPECT_EQ(redact_secret_keys("a.encrypted:Q" + kBody + ".b"),
            "a.encrypted:<secret key, not shown>.b");
}

TEST(SecretText, WordsShapedLikeASecretKey) {
  // Two characters then `sk` or `esk`, long enough to be a key: a prefix this build does not
  // know, or a mistyped one.
  EXPECT_TRUE(looks_like_secret_key("xxsk" + kBody));
  EXPECT_TRUE(looks_like_secret_key("Q9esk" + kBody));
  EXPECT_EQ(redact_secret_keys("tezos.zzsk" + kBody + ": invalid public key hash"),
            "tezos.<secret key, not shown>: invalid public key hash");
}

TEST(SecretText, OrdinaryTextIsKept) {
  for (const char* text : {"task", "desk", "edsk", "edpkuBknW28nW72KG6RoHtYW7p12T6GKc7nAbwYX5m8Wd9sDVC9yav",
                           "tz1cf12zAidvSnYHmpQj78TiaNF44ucgBjJH", "NetXdQprcVkpaWU", "encrypted",
                           "/var/lib/signatory/secret_keys", "askingforadvice_and_more_text_here"}) {
    EXPECT_FALSE(looks_like_secret_key(text)) << text;
    EXPECT_EQ(redact_secret_keys(text), text);
  }
  const std::string m = "signatory.yaml:4: tezos.tz1cf12zAidvSnYHmpQj78TiaNF44ucgBjJH: allow: "
                        "invalid request kind `blocks'; valid kinds are block, generic";
  EXPECT_EQ(redact_secret_keys(m), m);
  EXPECT_EQ(redact_secret_keys("encrypted: is a word"), "encrypted: is a word");
}

}  // namespace
}  // namespace signatory
