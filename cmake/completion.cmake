# Shell completion scripts of the two binaries, written at build time by the binaries
# themselves (`<binary> completion bash|zsh|fish`, generated from their command trees, see
# src/cli/shell_completion.h) and installed where bash-completion, zsh and fish look for them:
#   share/bash-completion/completions/<binary>
#   share/zsh/vendor-completions/_<binary>
#   share/fish/vendor_completions.d/<binary>.fish
# Included from CMakeLists.txt after the executables are defined.
include(GNUInstallDirs)  # after cmake/install.cmake, which sets CMAKE_INSTALL_DOCDIR

set(SIGNATORY_COMPLETION_DIR ${CMAKE_BINARY_DIR}/completion)
set(signatory_completion_files "")
foreach(binary signatory signatory-cli)
  set(bash_file ${SIGNATORY_COMPLETION_DIR}/bash/${binary})
  set(zsh_file ${SIGNATORY_COMPLETION_DIR}/zsh/_${binary})
  set(fish_file ${SIGNATORY_COMPLETION_DIR}/fish/${binary}.fish)
  add_custom_command(
    OUTPUT ${bash_file} ${zsh_file} ${fish_file}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${SIGNATORY_COMPLETION_DIR}/bash
            ${SIGNATORY_COMPLETION_DIR}/zsh ${SIGNATORY_COMPLETION_DIR}/fish
    COMMAND sh -c "\"$1\" completion bash > \"$2\" && \"$1\" completion zsh > \"$3\" && \"$1\" completion fish > \"$4\""
            completion $<TARGET_FILE:${binary}> ${bash_file} ${zsh_file} ${fish_file}
    DEPENDS ${binary}
    COMMENT "Writing the shell completion scripts of ${binary}"
    VERBATIM)
  list(APPEND signatory_completion_files ${bash_file} ${zsh_file} ${fish_file})
  install(FILES ${bash_file} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
  install(FILES ${zsh_file} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
  install(FILES ${fish_file} DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
endforeach()
add_custom_target(completions ALL DEPENDS ${signatory_completion_files})
