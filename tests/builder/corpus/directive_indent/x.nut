x-included
