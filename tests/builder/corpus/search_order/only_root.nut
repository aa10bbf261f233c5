// found in root
