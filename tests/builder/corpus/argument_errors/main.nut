@endif extra
