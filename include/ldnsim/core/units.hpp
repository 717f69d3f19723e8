// Parsing of quantities typed by users: doses ("4.5mg"), durations ("24h") and clock
// times ("22:00").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ldnsim {

// A mass in milligrams from "4.5mg", "4500ug", "4500 µg", "0.0045 g", "4.5" (mg).
double parse_mass_mg(std::string_view text);
// Hours from "24h", "30min", "2d", "1w", "90s", "12" (hours).
double parse_duration_h(std::string_view text);
// Hours after midnight from "22:00", "7:30", "22h", "22".
double parse_clock_h(std::string_view text);
// "HH:MM" of a time in hours (taken modulo 24 h, rounded to the minute): 22.5 -> "22:30".
std::string clock_text(double hours);
// Factor converting milligrams into the mass unit `unit` ("ng", "ug", "µg", "mcg", "mg",
// "g"), or nullopt if `unit` is not a mass unit.
std::optional<double> mg_to_unit(std::string_view unit);

}  // namespace ldnsim
