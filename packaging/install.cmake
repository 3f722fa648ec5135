# install.cmake - `make install`/`make uninstall`/`make deb`: the binary, a man page and bash
# completion generated from the --help texts at build time, systemd units and their settings file.
include(GNUInstallDirs)
set(ES_PKG ${CMAKE_SOURCE_DIR}/packaging)
set(ES_PKG_OUT ${CMAKE_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${ES_PKG_OUT})

# Both read `embedstream --help` and `embedstream help CMD`, so they follow every change of an
# option (the executable is a file-level dependency: they rerun whenever it is relinked).
add_custom_command(OUTPUT ${ES_PKG_OUT}/embedstream.bash
  COMMAND ${ES_PYTHON} -B ${ES_PKG}/gen_completion.py $<TARGET_FILE:embedstream> ${ES_PKG_OUT}/embedstream.bash
  DEPENDS embedstream ${ES_PKG}/gen_completion.py ${ES_PKG}/helptext.py
  COMMENT "bash completion from embedstream --help")
set(ES_DOCS ${ES_PKG_OUT}/embedstream.bash)
find_program(ES_HELP2MAN help2man)
if(ES_HELP2MAN)
  add_custom_command(OUTPUT ${ES_PKG_OUT}/embedstream.1
    COMMAND ${ES_PYTHON} -B ${ES_PKG}/gen_man.py $<TARGET_FILE:embedstream> ${ES_PKG_OUT}/embedstream.1
            ${ES_PKG}/changelog
    DEPENDS embedstream ${ES_PKG}/gen_man.py ${ES_PKG}/helptext.py ${ES_PKG}/changelog
    COMMENT "man page embedstream.1 from embedstream --help (help2man)")
  list(APPEND ES_DOCS ${ES_PKG_OUT}/embedstream.1)
else()
  # `make` still works without it; `make install` and `make deb` stop and say why.
  message(WARNING "help2man not found (scripts/install-deps.sh installs it): no man page, "
                  "and make install will refuse to run")
  install(CODE "message(FATAL_ERROR \"no man page: install help2man (scripts/install-deps.sh), then rebuild\")")
endif()
add_custom_target(es_docs ALL DEPENDS ${ES_DOCS})

install(TARGETS embedstream RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${ES_PKG_OUT}/embedstream.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${ES_PKG_OUT}/embedstream.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME embedstream)
# The units and /etc/default/embedstream name paths under the prefix given at install time
# (`cmake --install --prefix`, which `make install PREFIX=` and `make deb` use), so they are
# written then, not at configure time.
install(CODE "set(ES_PKG \"${ES_PKG}\")
set(ES_PKG_OUT \"${ES_PKG_OUT}\")
set(ES_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
set(ES_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")")
install(SCRIPT ${ES_PKG}/install_units.cmake)

# Removes the files the last `make install` wrote (give it the same DESTDIR).
add_custom_target(uninstall
  COMMAND ${CMAKE_COMMAND} -DMANIFEST=${CMAKE_BINARY_DIR}/install_manifest.txt -P ${ES_PKG}/uninstall.cmake
  COMMENT "removing what install_manifest.txt lists")

# Debian's hardening build flags (dpkg-buildflags, hardening=+all) for what gets installed, in
# optimized builds only (_FORTIFY_SOURCE needs optimization; sanitizer builds have their own checks).
if(NOT ES_SANITIZE AND NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  foreach(t es embedstream)
    target_compile_definitions(${t} PRIVATE _FORTIFY_SOURCE=2)
    target_compile_options(${t} PRIVATE -fstack-protector-strong -fstack-clash-protection)
  endforeach()
  target_link_options(embedstream PRIVATE -Wl,-z,relro -Wl,-z,now)
endif()

# build/embedstream_VERSION_ARCH.deb (packaging/mkdeb.sh says how).
add_custom_target(deb
  COMMAND sh ${ES_PKG}/mkdeb.sh ${CMAKE_BINARY_DIR} ${PROJECT_VERSION}
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
  COMMENT "Debian package of embedstream ${PROJECT_VERSION}")
add_dependencies(deb embedstream es_docs)
