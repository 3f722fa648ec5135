# uninstall.cmake - `make uninstall`: removes every file install_manifest.txt lists (the last
# install's), under $DESTDIR as install put them; directories stay, as others may share them.
if(NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "${MANIFEST} not found: nothing was installed from this build directory")
endif()
file(STRINGS "${MANIFEST}" files)
foreach(f ${files})
  set(path "$ENV{DESTDIR}${f}") # the manifest holds the paths without DESTDIR
  if(EXISTS "${path}" OR IS_SYMLINK "${path}")
    message(STATUS "Removing: ${path}")
    file(REMOVE "${path}")
  else()
    message(STATUS "Not there: ${path}")
  endif()
endforeach()
