#include "core/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>

namespace cdc {

void NameThisThread(std::string_view name) {
  char cut[16] = {};  // the kernel's limit, with the terminating NUL
  std::memcpy(cut, name.data(), std::min(name.size(), sizeof(cut) - 1));
  pthread_setname_np(pthread_self(), cut);  // only fails on a name too long
}

}  // namespace cdc
