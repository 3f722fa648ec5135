# install_units.cmake - run by `cmake --install`: writes the systemd units and the settings file
# with the paths of the prefix installed to, and installs them (recorded in install_manifest.txt).

# The settings directory as GNUInstallDirs would make it for this prefix: /etc for /usr.
if(IS_ABSOLUTE "${ES_SYSCONFDIR}")
  set(SYSCONFDIR "${ES_SYSCONFDIR}")
elseif(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(SYSCONFDIR "/${ES_SYSCONFDIR}")
else()
  set(SYSCONFDIR "${CMAKE_INSTALL_PREFIX}/${ES_SYSCONFDIR}")
endif()
if(IS_ABSOLUTE "${ES_BINDIR}")
  set(BINDIR "${ES_BINDIR}")
else()
  set(BINDIR "${CMAKE_INSTALL_PREFIX}/${ES_BINDIR}")
endif()

# Both units carry the same hardening block, kept once in systemd/hardening.conf.
file(READ "${ES_PKG}/systemd/hardening.conf" HARDENING)
string(STRIP "${HARDENING}" HARDENING)
# Written apart for each destination, so that `make deb` and `make install` never share a file.
string(MD5 dest "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
set(units "${ES_PKG_OUT}/units-${dest}")
foreach(unit embedstream embedstream-api)
  configure_file("${ES_PKG}/systemd/${unit}.service.in" "${units}/${unit}.service" @ONLY)
  file(INSTALL "${units}/${unit}.service" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endforeach()
file(REMOVE_RECURSE "${units}")

# An operator's edited settings file is never overwritten (the Debian package makes it a
# conffile, which dpkg handles the same way).
set(defaults "$ENV{DESTDIR}${SYSCONFDIR}/default/embedstream")
if(EXISTS "${defaults}")
  file(READ "${defaults}" theirs)
  file(READ "${ES_PKG}/systemd/embedstream.default" ours)
  if(NOT theirs STREQUAL ours)
    message(STATUS "Keeping: ${defaults} (changed there; the new default is ${ES_PKG}/systemd/embedstream.default)")
    return()
  endif()
endif()
file(INSTALL "${ES_PKG}/systemd/embedstream.default" DESTINATION "${SYSCONFDIR}/default"
     RENAME embedstream)
