# Runs at install time (from cmake/install.cmake's install(CODE)): installs the systemd unit,
# filled in with this installation's paths, and the example config unless one is there.
# Inputs: CMAKE_INSTALL_PREFIX (the install-time prefix), SIGNATORY_SOURCE_DIR,
# SIGNATORY_STAGE_DIR (a build-tree directory for the filled-in unit), SIGNATORY_BINDIR,
# SIGNATORY_SYSCONFDIR, SIGNATORY_DOCDIR, SIGNATORY_UNITDIR (each relative or absolute).
# file(INSTALL) prepends DESTDIR itself.

# An absolute path for DIR under the prefix; sysconfdir follows GNUInstallDirs: /etc for the
# prefixes / and /usr.
function(_signatory_full out dir)
  if(IS_ABSOLUTE "${dir}")
    set(full "${dir}")
  elseif(dir STREQUAL "etc" AND CMAKE_INSTALL_PREFIX MATCHES "^/(usr/?)?$")
    set(full "/etc")
  else()
    set(full "${CMAKE_INSTALL_PREFIX}/${dir}")
  endif()
  set(${out} "${full}" PARENT_SCOPE)
endfunction()

_signatory_full(SIGNATORY_BIN_DIR "${SIGNATORY_BINDIR}")
_signatory_full(_sysconf "${SIGNATORY_SYSCONFDIR}")
set(SIGNATORY_CONFIG_DIR "${_sysconf}/signatory")
set(SIGNATORY_CONFIG_FILE "${SIGNATORY_CONFIG_DIR}/signatory.yaml")
_signatory_full(SIGNATORY_DOC_DIR "${SIGNATORY_DOCDIR}")
_signatory_full(_unitdir "${SIGNATORY_UNITDIR}")

configure_file("${SIGNATORY_SOURCE_DIR}/deploy/systemd/signatory.service.in"
               "${SIGNATORY_STAGE_DIR}/signatory.service" @ONLY)
file(INSTALL DESTINATION "${_unitdir}" TYPE FILE
     FILES "${SIGNATORY_STAGE_DIR}/signatory.service")

# The config is the operator's once installed: never overwrite it.
if(EXISTS "$ENV{DESTDIR}${SIGNATORY_CONFIG_FILE}")
  message(STATUS "Kept existing: $ENV{DESTDIR}${SIGNATORY_CONFIG_FILE}")
else()
  file(INSTALL DESTINATION "${SIGNATORY_CONFIG_DIR}" TYPE FILE
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ
       FILES "${SIGNATORY_SOURCE_DIR}/deploy/signatory.yaml")
endif()
