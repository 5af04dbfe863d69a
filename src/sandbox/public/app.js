document.getElementById('loading').textContent = 'Connected.';
