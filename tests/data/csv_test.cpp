// data::parse_csv: RFC 4180 fields, line numbers, and errors that name line and field.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ldnsim/core/error.hpp"
#include "ldnsim/data/csv.hpp"

namespace ldnsim::data {
namespace {

using Fields = std::vector<std::string>;

// The message of the InputError that parsing `text` throws ("" if none is thrown).
std::string csv_error(const std::string& text) {
  try {
    parse_csv(text, "in.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Csv, PlainRowsWithLineNumbers) {
  auto rows = parse_csv("a,b,c\n1,2,3\n4,5,6\n", "in.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(rows[2].fields, (Fields{"4", "5", "6"}));
  EXPECT_EQ(rows[0].line, 1);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[2].line, 3);
}

TEST(Csv, LastLineWithoutNewline) {
  auto rows = parse_csv("a,b\n1,2", "in.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].fields, (Fields{"1", "2"}));
}

TEST(Csv, UnquotedFieldsAreTrimmedQuotedOnesAreNot) {
  auto rows = parse_csv(" a ,\tb\t, \" c \" \n", "in.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "b", " c "}));
}

TEST(Csv, EmptyFieldsAreKept) {
  auto rows = parse_csv("a,,c,\n", "in.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "", "c", ""}));
}

TEST(Csv, QuotedCommasDoubledQuotesAndNewlines) {
  auto rows = parse_csv("x,y\n\"a,b\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nlast,row\n", "in.csv");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].fields, (Fields{"a,b", "say \"hi\""}));
  EXPECT_EQ(rows[2].fields, (Fields{"two\nlines", "z"}));
  EXPECT_EQ(rows[2].line, 3);
  // the quoted newline counts as a line: the next row starts on line 5
  EXPECT_EQ(rows[3].line, 5);
  EXPECT_EQ(rows[3].fields, (Fields{"last", "row"}));
}

TEST(Csv, UnquotedRowsSplitAsByTheDefinition) {
  // Unquoted rows are split eight bytes at a time: commas at every offset of a word, runs
  // of commas, fields longer than a word, bytes next to ',' in value (0x2B '+', 0x2D '-')
  // and blanks to trim, against the definition (split at each comma, trim blanks, drop a
  // final CR), for 2,000 rows from a fixed generator.
  const char alphabet[] = {'a', '1', '-', '+', ',', ',', ' ', '\t', '.', 'Z'};
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<unsigned>(state >> 33);
  };
  for (int row = 0; row < 2000; ++row) {
    std::string line;
    const unsigned length = next() % 40;
    for (unsigned k = 0; k < length; ++k) line += alphabet[next() % sizeof(alphabet)];
    if (next() % 4 == 0) line += '\r';
    Fields expected;
    std::string body = line;
    if (!body.empty() && body.back() == '\r') body.pop_back();
    std::size_t b = 0;
    while (true) {
      const std::size_t e = std::min(body.find(',', b), body.size());
      std::string f = body.substr(b, e - b);
      while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.erase(f.begin());
      while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.pop_back();
      expected.push_back(f);
      if (e == body.size()) break;
      b = e + 1;
    }
    // A first line that is not blank, so that the row under test is never skipped.
    auto rows = parse_csv("h\n" + line + "\n", "in.csv");
    if (rows.size() == 1) {  // a blank row is skipped, as a blank line
      EXPECT_TRUE(expected.size() == 1 && expected[0].empty()) << row;
      continue;
    }
    ASSERT_EQ(rows.size(), 2u) << row;
    EXPECT_EQ(rows[1].fields, expected) << "row " << row << ": '" << line << "'";
  }
}

TEST(Csv, EmptyQuotedField) {
  auto rows = parse_csv("\"\",b\n", "in.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"", "b"}));
}

TEST(Csv, CrLfLineEnds) {
  auto rows = parse_csv("a,b\r\n1,\"2\"\r\n3,4\r\n", "in.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "b"}));
  EXPECT_EQ(rows[1].fields, (Fields{"1", "2"}));
  EXPECT_EQ(rows[2].fields, (Fields{"3", "4"}));
  EXPECT_EQ(rows[2].line, 3);
}

TEST(Csv, ByteOrderMarkIsSkipped) {
  auto rows = parse_csv("\xEF\xBB\xBFID,TIME\n1,0\n", "in.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields[0], "ID");
  EXPECT_EQ(rows[0].line, 1);
}

TEST(Csv, BlankLinesAreSkippedButCounted) {
  auto rows = parse_csv("\na,b\n\n   \n\r\n1,2\n\n", "in.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_EQ(rows[1].line, 6);
  EXPECT_EQ(rows[1].fields, (Fields{"1", "2"}));
}

TEST(Csv, EmptyText) { EXPECT_TRUE(parse_csv("", "in.csv").empty()); }

TEST(Csv, UnterminatedQuoteNamesTheLineWhereItOpenedAndTheColumn) {
  std::string m = csv_error("ID,TIME,NOTE\n1,0,ok\n1,1,\"never closed\n1,2,x\n");
  EXPECT_NE(m.find("in.csv:3"), std::string::npos) << m;
  EXPECT_NE(m.find("unterminated"), std::string::npos) << m;
  EXPECT_NE(m.find("NOTE"), std::string::npos) << m;
}

TEST(Csv, TextAfterClosingQuoteNamesLineColumnAndCharacter) {
  std::string m = csv_error("ID,TIME,AMT\n1,0,\"10\"x\n");
  EXPECT_NE(m.find("in.csv:2"), std::string::npos) << m;
  EXPECT_NE(m.find("AMT"), std::string::npos) << m;
  EXPECT_NE(m.find("after a closing quote"), std::string::npos) << m;
  EXPECT_NE(m.find("'x'"), std::string::npos) << m;
  EXPECT_NE(m.find("expected ','"), std::string::npos) << m;
}

TEST(Csv, QuoteInsideUnquotedFieldNamesLineAndColumn) {
  std::string m = csv_error("ID,TIME,AMT\n1,0,10\n1,2,1\"0\n");
  EXPECT_NE(m.find("in.csv:3"), std::string::npos) << m;
  EXPECT_NE(m.find("AMT"), std::string::npos) << m;
  EXPECT_NE(m.find("inside an unquoted field"), std::string::npos) << m;
}

TEST(Csv, ErrorInTheHeaderNamesTheFieldNumber) {
  std::string m = csv_error("ID,TI\"ME\n");
  EXPECT_NE(m.find("in.csv:1"), std::string::npos) << m;
  EXPECT_NE(m.find("field 2"), std::string::npos) << m;
}

TEST(Csv, QuotingErrorAfterQuotedNewlineReportsTheRightLine) {
  std::string m = csv_error("ID,NOTE,X\n1,\"a\nb\",\"c\"d\n");
  EXPECT_NE(m.find("in.csv:3"), std::string::npos) << m;
  EXPECT_NE(m.find("X"), std::string::npos) << m;
}

TEST(Csv, ParseNumber) {
  EXPECT_EQ(parse_number("12"), 12.0);
  EXPECT_EQ(parse_number("-0.5"), -0.5);
  EXPECT_EQ(parse_number(".5"), 0.5);
  EXPECT_EQ(parse_number("1."), 1.0);
  EXPECT_EQ(parse_number("2.5E-2"), 0.025);
  EXPECT_EQ(parse_number("1e+05"), 1e5);
  EXPECT_EQ(parse_number("+3"), 3.0);  // Fortran and spreadsheets write a plus sign
  EXPECT_EQ(parse_number("+.5"), 0.5);
  for (const char* bad : {"", "+", "-", "++1", "+-1", "1+", "abc", "1,5", "0x10", " 1", "1 ", "nan", "inf",
                          "-inf", "1e999", "1e", "1..2", "."})
    EXPECT_FALSE(parse_number(bad).has_value()) << "'" << bad << "'";
}

TEST(Csv, ParseNumberGivesTheCorrectlyRoundedDouble) {
  // The fast path for plain decimals against the library parser, bit for bit.
  std::uint64_t x = 88172645463325252ULL;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int k = 0; k < 200000; ++k) {
    std::string digits = std::to_string(next() % 1000000000000000ULL);
    const std::size_t point = next() % (digits.size() + 1);
    std::string text = (next() % 2 ? "-" : "") + digits.substr(0, point) + "." + digits.substr(point);
    if (text == "." || text == "-.") continue;
    double expected;
    std::from_chars(text.data(), text.data() + text.size(), expected);
    auto got = parse_number(text);
    ASSERT_TRUE(got.has_value()) << text;
    ASSERT_EQ(std::memcmp(&*got, &expected, sizeof expected), 0) << text;
  }
  EXPECT_TRUE(std::signbit(*parse_number("-0")));
  EXPECT_EQ(parse_number("123456789012345.6"), 123456789012345.6);  // 16 digits: the library
}

TEST(Csv, ReadTextFileNamesAMissingFile) {
  try {
    read_text_file("/nonexistent/dir/data.csv", "data set");
    FAIL() << "no error";
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("/nonexistent/dir/data.csv"), std::string::npos) << m;
    EXPECT_NE(m.find("data set"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace ldnsim::data
