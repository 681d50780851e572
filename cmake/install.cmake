# Install rules (`cmake --install BUILD [--prefix P]`), included once from CMakeLists.txt.
# Paths follow GNUInstallDirs, relative to the prefix given at install time:
#   bin/signatory, bin/signatory-cli
#   <sysconfdir>/signatory/signatory.yaml      example config (0640), kept if already there;
#                                             sysconfdir is /etc for the prefix /usr, else etc
#   <SIGNATORY_SYSTEMD_UNITDIR>/signatory.service   hardened unit naming the installed paths
#   lib/sysusers.d/signatory.conf              the `signatory` system user (sysusers.d(5))
#   share/doc/signatory/                       README.md and docs/
#   share/signatory/prometheus/alerts.yml, share/signatory/grafana/signatory.json
# The unit and the config are installed by cmake/install_deploy.cmake, run at install time so
# that the unit names the paths of this installation. Other install rules (e.g. shell
# completion) go in their own cmake/*.cmake beside this one.

set(CMAKE_INSTALL_DOCDIR share/doc/signatory CACHE PATH "Documentation (share/doc/signatory)")
include(GNUInstallDirs)
set(SIGNATORY_SYSTEMD_UNITDIR lib/systemd/system CACHE PATH
    "systemd system unit directory: relative to the prefix, or absolute (/lib/systemd/system)")

install(TARGETS signatory signatory-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(CODE "
  set(SIGNATORY_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
  set(SIGNATORY_STAGE_DIR \"${CMAKE_BINARY_DIR}/deploy\")
  set(SIGNATORY_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(SIGNATORY_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(SIGNATORY_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  set(SIGNATORY_UNITDIR \"${SIGNATORY_SYSTEMD_UNITDIR}\")
  include(\"${CMAKE_CURRENT_LIST_DIR}/install_deploy.cmake\")")
install(FILES ${CMAKE_SOURCE_DIR}/deploy/sysusers/signatory.conf DESTINATION lib/sysusers.d)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        FILES_MATCHING PATTERN "*.md")
install(FILES ${CMAKE_SOURCE_DIR}/deploy/prometheus/alerts.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/signatory/prometheus)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/grafana/signatory.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/signatory/grafana)
