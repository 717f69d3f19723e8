// printable(): what a message may echo of a user's value.
#include <gtest/gtest.h>

#include <string>

#include "ldnsim/core/text.hpp"

namespace ldnsim {
namespace {

TEST(Printable, KeepsPlainTextAndValidUtf8) {
  EXPECT_EQ(printable("CL_F"), "CL_F");
  EXPECT_EQ(printable("6\xce\xb2-naltrexol \xc2\xb5g"), "6\xce\xb2-naltrexol \xc2\xb5g");  // β, µ
  EXPECT_EQ(printable("\xf0\x9f\x92\x8a"), "\xf0\x9f\x92\x8a");                          // 4-byte emoji
}

TEST(Printable, EscapesControlBytesAndTerminalSequences) {
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x1b[2Jx"), "\\x1b[2Jx");
  EXPECT_EQ(printable("line1\nline2\tend\r"), "line1\\nline2\\tend\\r");
  EXPECT_EQ(printable("\x7f"), "\\x7f");
  EXPECT_EQ(printable("\xc2\x9b" "31m"), "\\xc2\\x9b31m");  // C1 CSI as UTF-8
}

TEST(Printable, EscapesBrokenUtf8) {
  EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(printable("\xc3"), "\\xc3");              // truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");     // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // UTF-16 surrogate
}

TEST(Printable, CutsLongValuesAndSaysHowLong) {
  const std::string big(1'000'000, 'x');
  const std::string p = printable(big, 10);
  EXPECT_EQ(p, "xxxxxxxxxx... (1000000 bytes)");
  EXPECT_EQ(printable(std::string(120, 'y')), std::string(120, 'y'));
  EXPECT_EQ(printable(std::string(121, 'y')).size(), 120 + std::string("... (121 bytes)").size());
}

}  // namespace
}  // namespace ldnsim
