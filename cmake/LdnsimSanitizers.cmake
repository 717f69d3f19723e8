# Instrumented builds (docs/security.md): LDNSIM_SANITIZE=address,undefined or thread for
# the whole build (scripts/check's second and third build folders), and LDNSIM_FUZZ=ON for
# the libFuzzer targets of tests/fuzz (clang; scripts/fuzz).
set(LDNSIM_SANITIZE "" CACHE STRING "Sanitizers for the whole build, e.g. address,undefined or thread (empty: none)")
option(LDNSIM_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only), with ASan and UBSan" OFF)

if(LDNSIM_SANITIZE)
  # Every report is an error: no recovering and carrying on.
  add_compile_options(-fsanitize=${LDNSIM_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${LDNSIM_SANITIZE})
endif()

if(LDNSIM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LDNSIM_FUZZ needs clang (CXX=clang++), which has libFuzzer")
  endif()
  # The libraries get coverage instrumentation; only the fuzz executables link libFuzzer.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
