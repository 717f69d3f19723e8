# ldnsim_builtin_models(TARGET name MODELS file...): compiles .ldn models to native code
# at build time with ldnsim-codegen, into a library that registers them with the loader.
function(ldnsim_builtin_models)
  cmake_parse_arguments(ARG "" "TARGET" "MODELS" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ldnsim-codegen ${out} ${ARG_MODELS}
    DEPENDS ldnsim-codegen ${ARG_MODELS}
    COMMENT "Generating native code for ${ARG_TARGET}"
    VERBATIM)
  add_library(${ARG_TARGET} STATIC ${out})
  # Same floating-point rules as the interpreter: no contraction, no built-in math folding.
  target_compile_options(${ARG_TARGET} PRIVATE -fno-builtin -ffp-contract=off -Wno-unused-parameter)
  target_link_libraries(${ARG_TARGET} PUBLIC ldnsim_lang)
endfunction()
