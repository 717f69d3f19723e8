# Headless-browser tests of ldnsim's HTML reports (report/check-html.mjs; see report/README.md).
#
#   include(${PROJECT_SOURCE_DIR}/cmake/LdnsimBrowserTests.cmake)   # once; tests/CMakeLists.txt does
#   ldnsim_browser_report_test(NAME dose_plot
#     COMMAND $<TARGET_FILE:ldnsim> dose 4.5mg --compare 1.5mg --plot ${dir}/dose.html -q
#     REPORT ${dir}/dose.html
#     [CHARTS 5]                     # exactly this many charts (default: at least one)
#     [TEXT "MOR occupancy" ...]     # text the page must show
#     [SCREENSHOT ${dir}/dose.png]   # default: beside the report, .png for .html
#     [TIMEOUT 180])
#
# registers two ctest tests labelled `browser`:
#   NAME_report   a fixture step: deletes REPORT, runs COMMAND (which must write it) and
#                 fails if COMMAND fails or REPORT is missing, so a stale file never passes;
#   NAME_browser  opens REPORT from file:// in Chromium and checks that every chart-N drew
#                 an SVG or canvas with data marks from non-empty data, with no console
#                 error, page error or outside request; saves the screenshot.
# Run them with `ctest -L browser`; they need node, `npm ci --prefix report` and Debian's
# chromium. Arguments of COMMAND must not contain ';' (a CMake list separator).
include_guard(GLOBAL)

find_program(LDNSIM_NODE node)
set(LDNSIM_BROWSER_CHECKER ${CMAKE_CURRENT_LIST_DIR}/../report/check-html.mjs)
set(LDNSIM_BROWSER_RUN_REPORT ${CMAKE_CURRENT_LIST_DIR}/run-report-command.cmake)

function(ldnsim_browser_report_test)
  cmake_parse_arguments(ARG "" "NAME;REPORT;CHARTS;SCREENSHOT;TIMEOUT" "COMMAND;TEXT" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_REPORT OR NOT ARG_COMMAND)
    message(FATAL_ERROR "ldnsim_browser_report_test: NAME, COMMAND and REPORT are required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ldnsim_browser_report_test(${ARG_NAME}): unexpected arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SCREENSHOT)
    string(REGEX REPLACE "\\.html?$" "" base "${ARG_REPORT}")
    set(ARG_SCREENSHOT "${base}.png")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 180)
  endif()

  add_test(NAME ${ARG_NAME}_report
           COMMAND ${CMAKE_COMMAND} -DREPORT=${ARG_REPORT} -P ${LDNSIM_BROWSER_RUN_REPORT} -- ${ARG_COMMAND})
  set_tests_properties(${ARG_NAME}_report PROPERTIES FIXTURES_SETUP ${ARG_NAME}_report LABELS browser
                                                     TIMEOUT ${ARG_TIMEOUT})

  if(NOT LDNSIM_NODE)
    message(WARNING "node not found: the headless-browser test ${ARG_NAME}_browser is not registered")
    return()
  endif()
  set(args --html ${ARG_REPORT} --screenshot ${ARG_SCREENSHOT})
  if(ARG_CHARTS)
    list(APPEND args --charts ${ARG_CHARTS})
  endif()
  foreach(text IN LISTS ARG_TEXT)
    list(APPEND args --text ${text})
  endforeach()
  add_test(NAME ${ARG_NAME}_browser COMMAND ${LDNSIM_NODE} ${LDNSIM_BROWSER_CHECKER} ${args})
  set_tests_properties(${ARG_NAME}_browser PROPERTIES FIXTURES_REQUIRED ${ARG_NAME}_report LABELS browser
                                                      TIMEOUT ${ARG_TIMEOUT})
endfunction()
